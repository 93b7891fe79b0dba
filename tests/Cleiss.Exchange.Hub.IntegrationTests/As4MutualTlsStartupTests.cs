using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Hub.Host;
using Cleiss.Exchange.Hub.Host.Tls;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>The mutual-TLS listener's settings and certificate are checked when the hub starts (ADR 0011).</summary>
public sealed class As4MutualTlsStartupTests
{
    private static async Task<(Exception? Failure, Uri? Listener)> StartAsync(string data, Dictionary<string, string?> configuration)
    {
        configuration["Hub:As4:Tls:Enabled"] = "true";
        configuration["Logging:LogLevel:Default"] = "Warning";
        var app = HubApp.Build(new HubHostSettings { Urls = "http://127.0.0.1:0", DataDirectory = data, Configuration = configuration });
        try
        {
            var failure = await Record.ExceptionAsync(() => app.StartAsync());
            var listener = app.Services.GetRequiredService<As4TlsListener>().Address;
            if (failure is null)
            {
                await app.StopAsync();
            }
            return (failure, listener);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    /// <summary>Writes a fresh certificate and its key (made now, in the test's temporary folder) as PEM files.</summary>
    private static (string Certificate, string Key) WritePem(string folder, string commonName)
    {
        using var certificate = TestCertificates.SelfSigned(commonName);
        var certificatePath = Path.Combine(folder, $"{commonName.Replace(':', '_')}.crt.pem");
        var keyPath = Path.Combine(folder, $"{commonName.Replace(':', '_')}.key.pem");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    [Fact]
    public async Task A_configured_PEM_certificate_of_the_access_point_opens_the_listener_on_a_free_port()
    {
        using var temp = new TempFolder();
        var (certificate, key) = WritePem(temp.Path, "FR:AP0001");

        var (failure, listener) = await StartAsync(Path.Combine(temp.Path, "data"), new()
        {
            ["Hub:As4:Tls:Url"] = "https://127.0.0.1:0",
            ["Hub:As4:Tls:Certificate"] = certificate,
            ["Hub:As4:Tls:PrivateKey"] = key,
        });

        Assert.Null(failure);
        Assert.Equal("https", listener!.Scheme);
        Assert.NotEqual(0, listener.Port);
    }

    [Fact]
    public async Task A_certificate_named_for_another_access_point_stops_the_boot()
    {
        using var temp = new TempFolder();
        var (certificate, key) = WritePem(temp.Path, "DE:AP0001");

        var (failure, _) = await StartAsync(Path.Combine(temp.Path, "data"), new()
        {
            ["Hub:As4:Tls:Url"] = "https://127.0.0.1:0",
            ["Hub:As4:Tls:Certificate"] = certificate,
            ["Hub:As4:Tls:PrivateKey"] = key,
        });

        Assert.NotNull(failure);
        Assert.Contains("not the access point id FR:AP0001", failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listener_URL_that_is_not_https_on_an_IP_address_stops_the_boot()
    {
        using var temp = new TempFolder();

        var (failure, _) = await StartAsync(Path.Combine(temp.Path, "data"), new() { ["Hub:As4:Tls:Url"] = "http://ap.example.fr:8443" });

        var validation = Assert.IsType<OptionsValidationException>(failure);
        Assert.Contains("Hub:As4:Tls:Url must be https://", validation.Message, StringComparison.Ordinal);
    }
}
