using System.Reflection;
using System.Text.RegularExpressions;
using MadBase.Cli;
using MadBase.ServiceDefaults.Logging;

namespace MadBase.Tests.ServiceDefaults;

/// <summary>
/// <see cref="EventIds"/> is the one list of logging event ids: no two events share an id, and no
/// <c>[LoggerMessage]</c> or <c>new EventId(…)</c> writes a number of its own.
/// </summary>
public sealed partial class EventIdsTests
{
    [Fact]
    public void EventIds_EveryConstant_HasItsOwnValue()
    {
        var constants = typeof(EventIds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral && field.FieldType == typeof(int))
            .Select(field => (field.Name, Value: (int)field.GetRawConstantValue()!))
            .ToList();

        Assert.NotEmpty(constants);
        var shared = constants.GroupBy(constant => constant.Value)
            .Where(group => group.Count() > 1)
            .Select(group => $"{group.Key}: {string.Join(", ", group.Select(constant => constant.Name))}")
            .ToList();
        Assert.True(shared.Count == 0, "Event ids used by more than one constant: " + string.Join("; ", shared));
    }

    [Fact]
    public void EventIds_SourceFiles_UseNoLiteralEventId()
    {
        var root = ServiceBinaries.BuiltFromRepositoryRoot
            ?? throw new InvalidOperationException("The CLI was built without its repository root.");
        var literals = Directory.EnumerateDirectories(root, "MadBase.*")
            .SelectMany(project => Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories))
            .Where(path => !IsBuildOutput(path))
            .SelectMany(path => File.ReadLines(path)
                .Select((line, index) => (Where: $"{Path.GetRelativePath(root, path)}:{index + 1}", Line: line)))
            .Where(line => LiteralEventId().IsMatch(line.Line))
            .Select(line => line.Where)
            .ToList();

        Assert.True(literals.Count == 0, "Literal event ids (use a constant of EventIds): " + string.Join(", ", literals));
    }

    private static bool IsBuildOutput(string path)
    {
        var separator = Path.DirectorySeparatorChar;
        return path.Contains($"{separator}obj{separator}", StringComparison.Ordinal)
            || path.Contains($"{separator}bin{separator}", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"EventId\s*=\s*\d|new\s+EventId\s*\(\s*\d")]
    private static partial Regex LiteralEventId();
}
