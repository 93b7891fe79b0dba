using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Cleiss.Exchange.Hub.Samples;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>With API clients configured: the sender is the authenticated institution, never the payload's word (Z01, Z05).</summary>
public sealed class AuthenticationTests : IAsyncLifetime
{
    private const string CnavKey = "cnav-test-key-0123456789";
    private const string CleissKey = "cleiss-test-key-9876543210";
    private readonly SecuredRig _rig = new();

    public Task InitializeAsync() => _rig.InitializeAsync();

    public Task DisposeAsync() => _rig.DisposeAsync();

    private async Task<(int Status, System.Text.Json.Nodes.JsonNode Body)> PostAsync(byte[] body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/documents") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("ApiKey", key);
        }
        using var response = await _rig.Api.SendAsync(request);
        return ((int)response.StatusCode, System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private async Task<HttpStatusCode> GetAsync(string path, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("ApiKey", key);
        using var response = await _rig.Api.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task Without_a_known_key_the_API_answers_401_with_a_code()
    {
        var (none, problem) = await PostAsync(HubRig.Fresh("valid/P2000-outbound-1.xml"), null);
        var (wrong, _) = await PostAsync(HubRig.Fresh("valid/P2000-outbound-1.xml"), "not-a-key");

        Assert.Equal(401, none);
        Assert.Equal(401, wrong);
        Assert.Equal("API.UNAUTHENTICATED", problem["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_institution_sends_for_itself_but_not_for_another()
    {
        var own = HubRig.Fresh("valid/P2000-outbound-1.xml"); // sender FR:CIN0000001
        Assert.Equal("FR:CIN0000001", SampleScenario.Header(own).Sender.InstitutionId);
        var other = HubRig.Fresh("valid/A001-outbound-1.xml"); // sender FR:CLEISS0002

        var (accepted, _) = await PostAsync(own, CnavKey);
        var (refused, problem) = await PostAsync(other, CnavKey);

        Assert.Equal(202, accepted);
        Assert.Equal(403, refused);
        Assert.Equal("VALIDATE.SENDER_NOT_AUTHENTICATED", problem["code"]!.GetValue<string>());
        Assert.Equal("RULE.SENDER_NOT_AUTHENTICATED", problem["findings"]![0]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_caller_learns_nothing_about_another_institutions_document_by_resending_it()
    {
        var document = HubRig.Fresh("valid/A001-outbound-1.xml"); // sender FR:CLEISS0002
        var (first, _) = await PostAsync(document, CleissKey);

        var (resent, problem) = await PostAsync(document, CnavKey);

        Assert.Equal(202, first);
        Assert.Equal(403, resent); // not the 202 "duplicate" answer with the other institution's document id
        Assert.Equal("VALIDATE.SENDER_NOT_AUTHENTICATED", problem["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Another_institutions_documents_and_inbox_look_like_they_do_not_exist()
    {
        var (_, answer) = await PostAsync(HubRig.Fresh("valid/A001-outbound-1.xml"), CleissKey);
        var id = answer["id"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.OK, await GetAsync($"/api/v1/documents/{id}", CleissKey));
        Assert.Equal(HttpStatusCode.NotFound, await GetAsync($"/api/v1/documents/{id}", CnavKey));
        Assert.Equal(HttpStatusCode.NotFound, await GetAsync($"/api/v1/documents/{Guid.NewGuid()}", CnavKey));
        Assert.Equal(HttpStatusCode.OK, await GetAsync("/api/v1/institutions/FR:CIN0000001/inbox", CnavKey));
        Assert.Equal(HttpStatusCode.NotFound, await GetAsync("/api/v1/institutions/FR:CLEISS0002/inbox", CnavKey));
    }

    private sealed class SecuredRig : HubRig
    {
        protected override IReadOnlyDictionary<string, string?> ExtraConfiguration => new Dictionary<string, string?>
        {
            ["Hub:Clients:0:Name"] = "cnav",
            ["Hub:Clients:0:ApiKeySha256"] = Sha(CnavKey),
            ["Hub:Clients:0:Institutions:0"] = "FR:CIN0000001",
            ["Hub:Clients:1:Name"] = "cleiss",
            ["Hub:Clients:1:ApiKeySha256"] = Sha(CleissKey),
            ["Hub:Clients:1:Institutions:0"] = "FR:CLEISS0002",
        };

        private static string Sha(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }
}
