using Cleiss.Exchange.Hub.Host;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// A partner that returns errors, then answers slowly, then recovers, in front of the simulated access point (a small
/// proxy on loopback that the test switches): the circuit breaker opens after the configured failures (nothing more
/// reaches the partner while it is open: the documents get <c>DISPATCH.CIRCUIT_OPEN</c> retries), closes again on a
/// successful trial, a slow answer past the exchange timeout is retried, and every document is delivered once.
/// </summary>
public sealed class PartnerFaultsTests : IAsyncLifetime
{
    private readonly FaultyPartnerRig _rig = new();

    public Task InitializeAsync() => _rig.InitializeAsync();

    public Task DisposeAsync() => _rig.DisposeAsync();

    [Fact]
    public async Task Errors_open_the_circuit_a_trial_closes_it_slow_answers_are_retried_and_every_document_is_delivered_once()
    {
        _rig.Mode = "error";
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var (status, body) = await _rig.PostAsync(HubRig.Fresh("valid/P2000-outbound-1.xml"));
            Assert.Equal(202, status);
            ids.Add(Guid.Parse(body["id"]!.GetValue<string>()));
        }
        await WaitUntilAsync(async () => (await _rig.GetAsync(ids[0]))!.Events.Any(e => e.Code == "DISPATCH.CIRCUIT_OPEN"));
        var requestsWhenOpen = _rig.Requests;
        await Task.Delay(300); // the circuit stays open for 3 s: the retries in that time do not reach the partner
        Assert.Equal(requestsWhenOpen, _rig.Requests);

        _rig.Mode = "slow"; // answers after 1.5 s, the exchange timeout is 1 s
        await WaitUntilAsync(async () => (await _rig.GetAsync(ids[0]))!.Events.Any(e => e.Code == "DISPATCH.UNREACHABLE"));

        _rig.Mode = "ok";
        foreach (var id in ids)
        {
            var view = await _rig.WaitForAsync(id, "delivered", "failed");
            Assert.Equal("delivered", view.Status);
            Assert.Contains(view.Events, e => e.Code is "DISPATCH.PARTNER_ERROR" or "DISPATCH.CIRCUIT_OPEN");
        }
        Assert.Equal(3, _rig.Partner.Received.Count); // each delivered once; the partner's dedup absorbed the re-sends
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60); // generous: the machine may be loaded
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(50);
        }
        Assert.Fail("the condition was not met within 60 s");
    }

    /// <summary>The usual rig, with BE:AP0001 routed to a proxy that answers 503, answers slowly, or forwards.</summary>
    private sealed class FaultyPartnerRig : HubRig
    {
        private WebApplication? _proxy;
        private int _requests;
        private readonly HttpClient _forward = new() { Timeout = TimeSpan.FromSeconds(30) };

        public volatile string Mode = "ok";

        public int Requests => Volatile.Read(ref _requests);

        protected override IReadOnlyDictionary<string, string?> ExtraConfiguration => new Dictionary<string, string?>
        {
            ["Hub:Routing:EndpointOverrides:0:Url"] = new Uri(ServerAddress.Of(_proxy!), "/ap/v1/messages").ToString(),
            ["Hub:Dispatch:MaxAttempts"] = "100",
            ["Hub:Dispatch:Timeout"] = "00:00:01",
            ["Hub:Dispatch:BreakerMinimumThroughput"] = "3",
            ["Hub:Dispatch:BreakerFailureRatio"] = "0.5",
            ["Hub:Dispatch:BreakerBreakDuration"] = "00:00:03",
        };

        public override async Task InitializeAsync()
        {
            var builder = WebApplication.CreateBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            _proxy = builder.Build();
            _proxy.MapPost("/ap/v1/messages", async (HttpRequest request) =>
            {
                Interlocked.Increment(ref _requests);
                switch (Mode)
                {
                    case "error":
                        return Results.StatusCode(503);
                    case "slow":
                        await Task.Delay(1500);
                        break;
                }
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body);
                using var content = new ByteArrayContent(body.ToArray());
                content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(request.ContentType!);
                using var answer = await _forward.PostAsync(Partner.Endpoint, content);
                return answer.IsSuccessStatusCode
                    ? Results.Bytes(await answer.Content.ReadAsByteArrayAsync(), answer.Content.Headers.ContentType?.ToString())
                    : Results.StatusCode((int)answer.StatusCode);
            });
            await _proxy.StartAsync();
            await base.InitializeAsync();
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            _forward.Dispose();
            await _proxy!.StopAsync();
            await _proxy.DisposeAsync();
        }
    }
}
