using MadBase.Tests.Infrastructure;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("MadBase.Tests.Infrastructure.SharedStackFirst", "MadBase.Tests")]

namespace MadBase.Tests.Infrastructure;

/// <summary>
/// Starts the shared stack's collection first. Its ~75 classes run one after another and make the longest path
/// of the run; with xunit's default (hash) order it started minutes in, and the run ended waiting on it alone,
/// while every other collection fits beside it on the second thread.
/// </summary>
public sealed class SharedStackFirst : ITestCollectionOrderer
{
    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(collection => collection.DisplayName switch
        {
            StackCollection.Name => 0,
            SecondStackCollection.Name => 1,
            _ => 2,
        });
}
