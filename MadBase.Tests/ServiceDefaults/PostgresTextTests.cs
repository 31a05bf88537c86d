using System.Text.Json;
using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Errors;
using Npgsql;

namespace MadBase.Tests.ServiceDefaults;

public sealed class PostgresTextTests
{
    // Attribute arguments are stored as UTF-8, which cannot carry a lone surrogate: the text is given as UTF-16 code units.
    [Theory]
    [InlineData(true, 0x70, 0x6c, 0x61, 0x69, 0x6e)] // "plain"
    [InlineData(true, 0xe9, 0xd83d, 0xde00)] // a surrogate pair is one character outside the BMP
    [InlineData(false, 0x61, 0, 0x62)] // NUL
    [InlineData(false, 0xd800)]
    [InlineData(false, 0x78, 0xdc00)]
    [InlineData(false, 0xde00, 0xd83d)] // the pair reversed is two lone halves
    [InlineData(false, 0xd83d, 0xd83d, 0xde00)]
    public void IsStorable_Text_RefusesNulAndLoneSurrogates(bool storable, params int[] codeUnits) =>
        Assert.Equal(storable, PostgresText.IsStorable(new string([.. codeUnits.Select(c => (char)c)])));

    [Theory]
    [InlineData("""{"a":[1,{"b":"ok"}],"c":null}""", true, true)]
    [InlineData("""{"a":[1,{"b":"x\u0000"}]}""", false, true)]
    [InlineData("""{"a":{"k\u0000":1}}""", false, true)]
    [InlineData("""[[["\ud800"]]]""", false, false)]
    [InlineData("""{"a":{"\udc00":1}}""", false, false)]
    [InlineData("""{"a":"\ud83d\ude00"}""", true, true)]
    public void IsStorableAndIsDecodable_Json_LookAtEveryNameAndString(string json, bool storable, bool decodable)
    {
        using var document = JsonDocument.Parse(json);

        Assert.Equal(storable, PostgresText.IsStorable(document.RootElement));
        Assert.Equal(decodable, PostgresText.IsDecodable(document.RootElement));
    }

    [Theory]
    [InlineData(PostgresErrorCodes.CharacterNotInRepertoire, 400)] // invalid byte sequence for encoding "UTF8": 0x00
    [InlineData(PostgresErrorCodes.UntranslatableCharacter, 400)] // \u0000 cannot be converted to text
    [InlineData(PostgresErrorCodes.UndefinedTable, 500)]
    public void UnhandledErrors_TextPostgresCannotEncode_IsTheClients400(string sqlState, int status) =>
        Assert.Equal(status, UnhandledErrors.Classify(new PostgresException("message", "ERROR", "ERROR", sqlState)).Status);
}
