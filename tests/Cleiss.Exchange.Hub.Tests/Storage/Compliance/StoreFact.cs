using Xunit.Abstractions;
using Xunit.Sdk;

namespace Cleiss.Exchange.Hub.Tests.Storage.Compliance;

/// <summary>
/// The PostgreSQL test database, from <c>CLEISS_TEST_POSTGRES</c> (an Npgsql connection string; <c>./test.sh</c>
/// creates a database per run and sets it). Without it the tests that need it are reported skipped with the reason.
/// </summary>
internal static class PostgresTestDatabase
{
    public const string Variable = "CLEISS_TEST_POSTGRES";

    public static string? ConnectionString { get; } = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    public static string SkipReason => $"No PostgreSQL test database: set {Variable} to an Npgsql connection string (./test.sh does) to run this test.";
}

/// <summary>Marks a test class whose tests need the PostgreSQL test database (see <see cref="StoreFactAttribute"/>).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresPostgresAttribute : Attribute;

/// <summary>
/// A fact of a store test class: skipped with the reason when the class is marked <see cref="RequiresPostgresAttribute"/>
/// and there is no PostgreSQL test database. The compliance suite's facts live in an abstract base class, so the
/// skip has to be decided per concrete class, not per method (what <see cref="FactAttribute.Skip"/> does).
/// </summary>
[XunitTestCaseDiscoverer("Cleiss.Exchange.Hub.Tests.Storage.Compliance.StoreFactDiscoverer", "Cleiss.Exchange.Hub.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute;

/// <summary>Discovers <see cref="StoreFactAttribute"/> facts as <see cref="StoreTestCase"/>s.</summary>
public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    protected override IXunitTestCase CreateTestCase(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        new StoreTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
}

/// <summary>A test case that is skipped when its class needs PostgreSQL and there is none.</summary>
public sealed class StoreTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer only.")]
    public StoreTestCase()
    {
    }

    public StoreTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod testMethod)
        : base(diagnosticMessageSink, display, options, testMethod)
    {
    }

    protected override string GetSkipReason(IAttributeInfo factAttribute) =>
        PostgresTestDatabase.ConnectionString is null && TestMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresPostgresAttribute)).Any()
            ? PostgresTestDatabase.SkipReason
            : base.GetSkipReason(factAttribute);
}
