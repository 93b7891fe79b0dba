using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>Bad and hostile input at the API: a clear 4xx with a code, an audit entry, nothing stored, the hub still up.</summary>
public sealed class BadInputTests : IClassFixture<HubRig>
{
    private readonly HubRig _rig;

    public BadInputTests(HubRig rig) => _rig = rig;

    public static TheoryData<string, string> InvalidSamples()
    {
        var data = new TheoryData<string, string>();
        foreach (var manifest in Directory.EnumerateFiles(Path.Combine(HubRig.Samples, "invalid"), "expected*.json"))
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(manifest));
            foreach (var entry in json.RootElement.EnumerateObject())
            {
                data.Add(entry.Name, entry.Value.GetString()!);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(InvalidSamples))]
    public async Task Every_invalid_sample_is_rejected_with_its_expected_code_and_audited(string file, string code)
    {
        var (status, problem) = await _rig.PostAsync(HubRig.Sample("invalid/" + file));

        // Business-rule samples are refused as VALIDATE.RULE_VIOLATION with the rule as the single finding.
        var errorCode = code.StartsWith("RULE.", StringComparison.Ordinal) ? ExchangeErrors.ValidateRuleViolation : code;
        Assert.Equal(errorCode, problem["code"]!.GetValue<string>());
        Assert.Equal(ExchangeErrors.All[errorCode].HttpStatus, status);
        Assert.Equal($"urn:cleiss:exchange:error:{errorCode}", problem["type"]!.GetValue<string>());
        if (errorCode != code)
        {
            Assert.Equal(code, Assert.Single(problem["findings"]!.AsArray())!["code"]!.GetValue<string>());
        }
        await AssertAuditedOnlyAsync(problem, errorCode);
        await AssertAliveAsync();
    }

    [Fact]
    public async Task A_body_declared_larger_than_the_cap_gets_413()
    {
        var (status, problem) = await _rig.PostAsync(new byte[300 * 1024]);
        Assert.Equal(413, status);
        Assert.Equal("INGEST.TOO_LARGE", problem["code"]!.GetValue<string>());
        await AssertAuditedOnlyAsync(problem, "INGEST.TOO_LARGE");
    }

    [Fact]
    public async Task A_chunked_body_that_grows_past_the_cap_gets_413()
    {
        var address = new Uri(_rig.Api.BaseAddress!, "/api/v1/documents");
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, address.Port);
        await using var stream = client.GetStream();
        var head = $"POST /api/v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var chunk = new string('x', 64 * 1024);
        try
        {
            for (var i = 0; i < 8; i++)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"{chunk.Length:X}\r\n{chunk}\r\n"));
            }
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
        }
        catch (IOException)
        {
            // The server may close the connection once it has answered.
        }
        var answer = new byte[4096];
        var read = await stream.ReadAsync(answer).AsTask().WaitAsync(HubRig.Patience);
        Assert.StartsWith("HTTP/1.1 413", Encoding.ASCII.GetString(answer, 0, read), StringComparison.Ordinal);
        await AssertAliveAsync();
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml; charset=utf-16")]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("application/octet-stream")]
    public async Task An_unsupported_content_type_gets_415(string mediaType)
    {
        var (status, problem) = await _rig.PostAsync(HubRig.Fresh("valid/A001-outbound-1.xml"), mediaType);
        Assert.Equal(415, status);
        Assert.Equal("INGEST.UNSUPPORTED_MEDIA_TYPE", problem["code"]!.GetValue<string>());
        await AssertAuditedOnlyAsync(problem, "INGEST.UNSUPPORTED_MEDIA_TYPE");
    }

    [Theory]
    [InlineData("", "application/xml", "INGEST.EMPTY_BODY")]
    [InlineData("{\"sbdh\": 1, \"sbdh\": 2}", "application/json", "INGEST.MALFORMED_JSON")]
    [InlineData("<sbdh/>", "application/json", "INGEST.MALFORMED_JSON")]
    [InlineData("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>", "application/xml", "INGEST.DTD_PROHIBITED")]
    public async Task Broken_bodies_get_400_with_their_code(string body, string mediaType, string code)
    {
        var (status, problem) = await _rig.PostAsync(Encoding.UTF8.GetBytes(body), mediaType);
        Assert.Equal(400, status);
        Assert.Equal(code, problem["code"]!.GetValue<string>());
        Assert.DoesNotContain("root:", problem.ToJsonString(), StringComparison.Ordinal);
        await AssertAuditedOnlyAsync(problem, code);
    }

    [Fact]
    public async Task Schema_errors_are_returned_with_located_findings()
    {
        var (status, problem) = await _rig.PostAsync(HubRig.Sample("invalid/H001-schema-bad-sex-code.xml"));
        Assert.Equal(422, status);
        var finding = problem["findings"]!.AsArray()[0]!;
        Assert.Equal("SCHEMA.NOT_IN_LIST", finding["code"]!.GetValue<string>());
        Assert.Equal("/sbdh:StandardBusinessDocument/sed:H001/InsuredPerson/PersonIdentification/sex/value", finding["location"]!.GetValue<string>());
        Assert.Contains("value", finding["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("valeur", finding["messageFr"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_document_id_is_404_with_a_code()
    {
        using var response = await _rig.Api.GetAsync(new Uri($"/api/v1/documents/{Guid.NewGuid()}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("API.NOT_FOUND", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_inbox_of_a_foreign_or_unknown_institution_does_not_exist()
    {
        using var foreign = await _rig.Api.GetAsync(new Uri("/api/v1/institutions/BE:ONSS00001/inbox", UriKind.Relative));
        using var unknown = await _rig.Api.GetAsync(new Uri("/api/v1/institutions/FR:NOPE00001/inbox", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private async Task AssertAuditedOnlyAsync(System.Text.Json.Nodes.JsonNode problem, string code)
    {
        var id = Guid.Parse(problem["documentId"]!.GetValue<string>());
        var view = await _rig.GetAsync(id);
        Assert.Equal("rejected", view!.Status);
        var only = Assert.Single(view.Events);
        Assert.Equal(code, only.Code);
        Assert.Null(view.SedType);
    }

    private async Task AssertAliveAsync()
    {
        using var live = await _rig.Api.GetAsync(new Uri("/health/live", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }
}
