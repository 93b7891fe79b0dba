using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>Certificates made in the test (no private key is ever committed) and an HTTPS client for them.</summary>
internal static class TestCertificates
{
    /// <summary>
    /// A self-signed certificate with CN=<paramref name="commonName"/>, shaped like the hub's own (digitalSignature, not a
    /// CA), or marked as a CA, which the certificate checks refuse for an access point.
    /// </summary>
    public static X509Certificate2 SelfSigned(string commonName, bool certificateAuthority = false)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}, O=Cleiss.Exchange tests", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority, false, 0, true));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    /// <summary>
    /// An HTTPS client presenting <paramref name="clientCertificate"/> (or none) that accepts only <paramref name="server"/>'s
    /// certificate (pinned, as the hub does), over HTTP/1.1 or, with <paramref name="http2"/>, HTTP/2 only. Bounded timeouts.
    /// </summary>
    public static HttpClient Client(X509Certificate2? clientCertificate, X509Certificate2 server, bool http2 = false) => new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(10),
        SslOptions =
        {
            ClientCertificates = clientCertificate is null ? null : [clientCertificate],
            RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetRawCertData().AsSpan().SequenceEqual(server.RawData),
        },
    })
    {
        Timeout = TimeSpan.FromSeconds(15),
        DefaultRequestVersion = http2 ? System.Net.HttpVersion.Version20 : System.Net.HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <summary>Posts an AS4 message body with its MIME content type.</summary>
    public static async Task<(int Status, byte[] Answer)> PostAsync(HttpClient client, Uri url, byte[] body, string contentType)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await client.PostAsync(url, content);
        return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync());
    }
}
