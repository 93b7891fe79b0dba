using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cleiss.Exchange.Hub.Tests.Trust;

/// <summary>A small certificate authority for tests: roots, leaves with chosen defects, CRLs, and a loopback CRL server.</summary>
internal static class TestPki
{
    public static DateTimeOffset Now => DateTimeOffset.UtcNow;

    public static X509Certificate2 Root(string name = "Test Root CA")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(Now.AddYears(-2), Now.AddYears(5));
    }

    /// <summary>A signing certificate issued by <paramref name="issuer"/>, with the defects asked for.</summary>
    public static X509Certificate2 Leaf(
        X509Certificate2 issuer,
        string name = "BE:AP0001",
        X509KeyUsageFlags usage = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation,
        bool certificateAuthority = false,
        DateTimeOffset? notBefore = null,
        DateTimeOffset? notAfter = null,
        string? crlUrl = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority, false, 0, true));
        if (usage != X509KeyUsageFlags.None)
        {
            request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        }
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (crlUrl is not null)
        {
            request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([crlUrl]));
        }
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var issued = request.Create(issuer, notBefore ?? Now.AddDays(-30), notAfter ?? Now.AddYears(1), serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>A self-signed signing certificate (pinned partner).</summary>
    public static X509Certificate2 SelfSigned(string name = "BE:AP0001", X509KeyUsageFlags usage = X509KeyUsageFlags.DigitalSignature)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        return request.CreateSelfSigned(Now.AddDays(-1), Now.AddYears(1));
    }

    /// <summary>A DER CRL signed by <paramref name="issuer"/> listing <paramref name="revoked"/>.</summary>
    public static byte[] Crl(X509Certificate2 issuer, IEnumerable<X509Certificate2> revoked, DateTimeOffset? nextUpdate = null, DateTimeOffset? thisUpdate = null)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
        {
            builder.AddEntry(certificate, Now.AddDays(-1));
        }
        return builder.Build(issuer, 1, nextUpdate ?? Now.AddDays(7), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, thisUpdate ?? Now.AddHours(-1));
    }

    public static void WritePem(string folder, string file, X509Certificate2 certificate)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, file), certificate.ExportCertificatePem());
    }

    /// <summary>A free loopback port with nothing listening on it.</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Serves one CRL over HTTP on 127.0.0.1 and counts the requests.</summary>
internal sealed class LoopbackCrlServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _requests;

    public LoopbackCrlServer(byte[] crl)
    {
        Crl = crl;
        var port = TestPki.ClosedPort();
        Url = $"http://127.0.0.1:{port}/ca.crl";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string Url { get; }

    public byte[] Crl { get; set; }

    public int Requests => Volatile.Read(ref _requests);

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().WaitAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _requests);
            context.Response.ContentType = "application/pkix-crl";
            await context.Response.OutputStream.WriteAsync(Crl);
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
