using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Stages.Routing;
using Cleiss.Exchange.Hub.Stages.Verification;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Host.Cli;

/// <summary>
/// <c>cleiss sign FILE --key …</c> and <c>cleiss verify FILE [--cert PEM]</c>: the business signature outside the
/// pipeline, with the same code (exit 0 signed or valid, 1 invalid, 2 usage or I/O error).
/// </summary>
internal static class SignatureCommands
{
    public static Command BuildSign()
    {
        var file = new Argument<FileInfo>("file") { Description = "An SBDH+SED document, or a bare SED." };
        var key = new Option<FileInfo>("--key") { Description = "PEM private key (with --cert), or a PKCS#12 file (.p12/.pfx).", Required = true };
        var cert = new Option<FileInfo?>("--cert") { Description = "PEM certificate of the key (not needed with PKCS#12)." };
        var passwordEnv = new Option<string?>("--password-env") { Description = "Environment variable holding the key's password." };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Where to write the signed document (default: standard output)." };
        var command = new Command("sign", "Sign a document with the business-signature profile (enveloped, exclusive C14N, RSA-SHA256 or ECDSA-P256-SHA256).") { file, key, cert, passwordEnv, output };
        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                var credentials = Credentials(result.GetValue(key)!, result.GetValue(cert), result.GetValue(passwordEnv));
                var bytes = await File.ReadAllBytesAsync(result.GetValue(file)!.FullName, cancellationToken);
                var document = HardenedXml.TryLoad(bytes, new IntakeOptions(), "sign", out var error);
                if (document is null)
                {
                    await Console.Error.WriteLineAsync($"cleiss sign: {error!.Code}: {error.Detail}");
                    return 1;
                }
                var digest = BusinessSignature.Sign(document, SignedElement(document), credentials);
                var signed = Encoding.UTF8.GetBytes(document.OuterXml);
                if (result.GetValue(output) is { } target)
                {
                    await File.WriteAllBytesAsync(target.FullName, signed, cancellationToken);
                    Console.WriteLine($"signed with {credentials.AlgorithmName}, key {credentials.KeyId}, digest {digest}");
                }
                else
                {
                    await using var stdout = Console.OpenStandardOutput();
                    await stdout.WriteAsync(signed, cancellationToken);
                }
                return 0;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or InvalidOperationException or ArgumentException)
            {
                await Console.Error.WriteLineAsync($"cleiss sign: {ex.Message}");
                return 2;
            }
        });
        return command;
    }

    public static Command BuildVerify()
    {
        var file = new Argument<FileInfo>("file") { Description = "A signed SBDH+SED document, or a bare signed SED (then --cert is needed)." };
        var cert = new Option<FileInfo?>("--cert") { Description = "Verify with this PEM certificate instead of the one registered for the sender." };
        var data = KeysCommand.DataOption();
        var command = new Command("verify",
            "Verify a business signature: with --cert, against that certificate; otherwise as the hub does for inbound documents (the certificate registered for the sender in <data>/trust, certificate checks, Hub:Trust policy).")
        { file, cert, data };
        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                var bytes = await File.ReadAllBytesAsync(result.GetValue(file)!.FullName, cancellationToken);
                var (code, detail, facts) = result.GetValue(cert) is { } pem
                    ? await WithCertificateAsync(bytes, X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(pem.FullName, cancellationToken)), result.GetValue(data)!, cancellationToken)
                    : await AsTheHubDoesAsync(bytes, result.GetValue(data)!, cancellationToken);
                if (code is not null)
                {
                    Console.WriteLine($"INVALID {code}: {detail}");
                    return 1;
                }
                Console.WriteLine($"VALID {string.Join(", ", facts.Select(f => $"{f.Key}={f.Value}"))}");
                return 0;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or InvalidOperationException or ArgumentException)
            {
                await Console.Error.WriteLineAsync($"cleiss verify: {ex.Message}");
                return 2;
            }
        });
        return command;
    }

    private static async Task<(string? Code, string Detail, IReadOnlyDictionary<string, string> Facts)> WithCertificateAsync(byte[] bytes, X509Certificate2 certificate, string dataDirectory, CancellationToken cancellationToken)
    {
        var document = HardenedXml.TryLoad(bytes, new IntakeOptions(), "verify", out var error);
        if (document is null)
        {
            return (error!.Code, error.Detail, new Dictionary<string, string>());
        }
        var (hub, trust) = Settings(dataDirectory);
        using var validator = new CertificateValidator(hub, trust, TimeProvider.System, NullLogger<CertificateValidator>.Instance);
        var created = SbdhReader.TryRead(document, out _, out _)?.CreationDateAndTime;
        var at = DateTimeOffset.TryParse(created, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : DateTimeOffset.UtcNow;
        var certificateCheck = await validator.CheckAsync(certificate, at, cancellationToken);
        if (!certificateCheck.IsValid)
        {
            return (certificateCheck.Code, certificateCheck.Detail, new Dictionary<string, string>());
        }
        var check = BusinessSignature.Verify(document, SignedElement(document), certificate);
        return check.IsValid
            ? (null, "valid", new Dictionary<string, string>
            {
                ["algorithm"] = check.Algorithm!,
                ["keyId"] = SigningKeyStore.KeyId(certificate),
                ["certificate"] = certificateCheck.Detail,
                ["revocation"] = certificateCheck.Revocation,
            })
            : (check.Code, check.Detail, new Dictionary<string, string>());
    }

    private static async Task<(string? Code, string Detail, IReadOnlyDictionary<string, string> Facts)> AsTheHubDoesAsync(byte[] bytes, string dataDirectory, CancellationToken cancellationToken)
    {
        var (hub, trust) = Settings(dataDirectory);
        var context = new ExchangeContext(Guid.Empty, Direction.Inbound, bytes);
        var outcome = await new IngestStage(Direction.Inbound, Options.Create(new IntakeOptions())).ExecuteAsync(context, cancellationToken);
        if (outcome.Kind == StageOutcomeKind.Continue)
        {
            var directory = new InstitutionDirectory(Path.Combine(hub.Value.SchemasDirectory, "ir", "directory.json"));
            using var validator = new CertificateValidator(hub, trust, TimeProvider.System, NullLogger<CertificateValidator>.Instance);
            var store = new TrustStore(hub, NullLogger<TrustStore>.Instance);
            outcome = await new VerificationStage(directory, store, validator, TimeProvider.System).ExecuteAsync(context, cancellationToken);
        }
        return outcome.Kind == StageOutcomeKind.Continue
            ? (null, "valid", context.Facts)
            : (outcome.Error!.Code, outcome.Error.Detail, context.Facts);
    }

    private static (IOptions<HubOptions> Hub, IOptions<TrustOptions> Trust) Settings(string dataDirectory)
    {
        var configuration = KeysCommand.Configuration(dataDirectory);
        var hub = configuration.GetSection(HubOptions.SectionName).Get<HubOptions>() ?? new HubOptions { DataDirectory = dataDirectory };
        var trust = configuration.GetSection(TrustOptions.SectionName).Get<TrustOptions>() ?? new TrustOptions();
        return (Options.Create(hub), Options.Create(trust));
    }

    /// <summary>The element the business signature belongs to: the SED after the SBDH header, or the root of a bare SED.</summary>
    private static XmlElement SignedElement(XmlDocument document) =>
        SbdhReader.SedElement(document) is { } sed && document.DocumentElement is { LocalName: "StandardBusinessDocument" }
            ? sed
            : document.DocumentElement ?? throw new InvalidOperationException("The document has no root element.");

    private static SigningCredentials Credentials(FileInfo key, FileInfo? certificate, string? passwordVariable)
    {
        var password = passwordVariable is null ? null
            : Environment.GetEnvironmentVariable(passwordVariable) ?? throw new InvalidOperationException($"The environment variable {passwordVariable} is not set.");
        X509Certificate2 loaded;
        if (key.Extension.ToLowerInvariant() is ".p12" or ".pfx")
        {
            loaded = X509CertificateLoader.LoadPkcs12FromFile(key.FullName, password, X509KeyStorageFlags.EphemeralKeySet);
        }
        else
        {
            var pem = certificate ?? throw new InvalidOperationException("A PEM key needs --cert.");
            loaded = password is null
                ? X509Certificate2.CreateFromPemFile(pem.FullName, key.FullName)
                : X509Certificate2.CreateFromEncryptedPemFile(pem.FullName, password, key.FullName);
        }
        return new SigningCredentials(loaded, SigningKeyStore.KeyId(loaded));
    }
}
