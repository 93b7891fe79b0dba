using Cleiss.Exchange.Adapters.As4.Pulling;
using Cleiss.Exchange.Adapters.As4.Sending;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Host.As4;

/// <summary>The AS4 services of the host: P-Modes and pulls (checked at start), /as4 receiving, pull responding and pulling, the MessageId purge.</summary>
internal static class As4ServiceCollectionExtensions
{
    public static IServiceCollection AddAs4(this IServiceCollection services)
    {
        services.AddOptions<As4Options>().BindConfiguration(As4Options.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<As4Options>, As4PModeValidator>();
        services.AddSingleton<As4SenderCheck>();
        services.AddSingleton<As4ReceiveService>();
        services.AddSingleton<As4PullResponder>();
        services.AddHttpClient(As4PullClient.ClientName, client => client.Timeout = TimeSpan.FromSeconds(60));
        services.AddSingleton<As4PullClient>();
        services.AddHostedService<As4PullWorker>();
        // Received MessageIds are forgotten after the duplicate-elimination window (Hub:As4:DuplicateRetention).
        services.AddHostedService<Adapters.As4.Receiving.As4MessageIdPurge>();
        return services;
    }
}
