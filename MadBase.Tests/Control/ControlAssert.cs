using System.Net;
using System.Text.Json;
using MadBase.ServiceDefaults.Security;
using Npgsql;

namespace MadBase.Tests.Control;

internal static class ControlAssert
{
    /// <summary>The shared error shape, <c>{"error": "...", "code": status}</c>, and nothing from inside the server.</summary>
    public static async Task<string> ErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        Assert.Equal((int)status, root.GetProperty("code").GetInt32());
        var message = root.GetProperty("error").GetString();
        Assert.False(string.IsNullOrWhiteSpace(message));
        Assert.DoesNotContain("Exception", message, StringComparison.Ordinal);
        Assert.DoesNotContain("SELECT", message, StringComparison.Ordinal);
        return message!;
    }

    /// <summary>An API key as Supabase issues them: signed with the project's secret, with its role and ref.</summary>
    public static async Task ApiKeyAsync(string key, string secret, string role, string projectRef)
    {
        var verification = await new JwtVerifier(TimeProvider.System).VerifyAsync(key, secret, []);
        Assert.True(verification.IsValid, verification.Error);
        Assert.Equal(role, verification.Role);
        Assert.Equal(projectRef, verification.ProjectRef);
    }

    public static async Task<T?> ScalarAsync<T>(string connectionString, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }

        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }
}
