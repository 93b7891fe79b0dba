using System.Net;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>Health, metrics and the OpenAPI document.</summary>
public sealed class OperationsEndpointsTests : IClassFixture<HubRig>
{
    private readonly HubRig _rig;

    public OperationsEndpointsTests(HubRig rig) => _rig = rig;

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_endpoints_answer_healthy(string path)
    {
        using var response = await _rig.Api.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_are_exposed_in_prometheus_text_format_without_personal_data()
    {
        var (status, answer) = await _rig.PostAsync(HubRig.Fresh("valid/A001-outbound-1.xml"));
        Assert.Equal(202, status);
        await _rig.WaitForAsync(Guid.Parse(answer["id"]!.GetValue<string>()), "delivered");

        using var response = await _rig.Api.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        Assert.Contains("hub_stage_transitions", text, StringComparison.Ordinal);
        Assert.Contains("stage=\"dispatch\"", text, StringComparison.Ordinal);
        var sample = System.Text.Encoding.UTF8.GetString(HubRig.Sample("valid/A001-outbound-1.xml"));
        var familyName = System.Text.RegularExpressions.Regex.Match(sample, "<familyName>([^<]+)</familyName>").Groups[1].Value;
        Assert.NotEmpty(familyName);
        Assert.DoesNotContain(familyName, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_API()
    {
        var text = await _rig.Api.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        Assert.Contains("/api/v1/documents", text, StringComparison.Ordinal);
        Assert.Contains("/api/v1/institutions/{institutionId}/inbox", text, StringComparison.Ordinal);
        var post = System.Text.Json.Nodes.JsonNode.Parse(text)!["paths"]!["/api/v1/documents"]!["post"]!;
        Assert.NotNull(post["requestBody"]!["content"]!["application/json"]);
        Assert.NotNull(post["requestBody"]!["content"]!["application/xml"]);
    }
}
