using System.Diagnostics;

namespace Cleiss.Exchange.Hub.Tests.Stages.Validation;

/// <summary>An independent validator (libxml2's xmllint) agrees with the hub on the shipped samples.</summary>
public sealed class XmllintCrossCheckTests
{
    public static TheoryData<string> ValidSamples() => [.. Builders.ValidXmlSamples("outbound"), .. Builders.ValidXmlSamples("inbound")];

    [Theory]
    [MemberData(nameof(ValidSamples))]
    public void Xmllint_validates_every_valid_sample_against_the_pack(string file)
    {
        var sed = file[..file.IndexOf('-', StringComparison.Ordinal)];
        var (exit, output) = Xmllint(file, sed, "valid");
        Assert.True(exit == 0, output);
    }

    [Theory]
    [InlineData("H001-schema-bad-sex-code.xml", "H001")]
    [InlineData("U001-schema-bad-date.xml", "U001")]
    [InlineData("P2000-schema-familyname-too-long.xml", "P2000")]
    public void Xmllint_rejects_the_schema_invalid_samples_too(string file, string sed)
    {
        var (exit, _) = Xmllint(file, sed, "invalid");
        Assert.NotEqual(0, exit);
    }

    private static (int Exit, string Output) Xmllint(string file, string sed, string folder)
    {
        using var temp = new TempDirectory();
        var schemas = Path.Combine(Builders.RepositoryRoot, "schemas");
        // xmllint takes one schema: a wrapper imports the SBDH schema and the SED schema.
        var wrapper = Path.Combine(temp.Path, "wrapper.xsd");
        File.WriteAllText(wrapper, $"""
            <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:cleiss:test:wrapper">
              <xs:import namespace="http://eessi.dgempl.ec.europa.eu/namespaces/sbdh" schemaLocation="{Path.Combine(schemas, "sbdh", "1.0", "sbdh.xsd")}"/>
              <xs:import namespace="http://ec.europa.eu/eessi/ns/4_4/{sed}" schemaLocation="{Path.Combine(schemas, "sed", "4.4", sed + ".xsd")}"/>
            </xs:schema>
            """);
        var start = new ProcessStartInfo("xmllint", ["--noout", "--nonet", "--schema", wrapper, Path.Combine(Builders.Samples, folder, file)])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(30_000), "xmllint did not finish in 30 s");
        return (process.ExitCode, output);
    }
}
