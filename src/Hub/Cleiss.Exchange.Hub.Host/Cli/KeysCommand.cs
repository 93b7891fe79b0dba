using System.CommandLine;
using System.Security.Cryptography;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Host.Cli;

/// <summary>
/// <c>cleiss keys list|generate|rotate|retire</c> and <c>cleiss trust list|import</c>: the signing keys and the
/// partner certificates under the data folder (exit 0 done, 2 usage or I/O error). Configured keys
/// (<c>Hub:Signing:Keys</c>) are read from <c>appsettings.json</c> in the current folder and from environment variables.
/// </summary>
internal static class KeysCommand
{
    public static Command BuildKeys()
    {
        var data = DataOption();
        var owner = new Option<string>("--owner") { Description = "Institution or access point id (default: the hub's access point, Hub:AccessPointId).", };
        var algorithm = new Option<string>("--algorithm") { Description = "rsa (RSA-2048, default) or ecdsa (P-256).", DefaultValueFactory = _ => "rsa" };
        algorithm.AcceptOnlyFromAmong("rsa", "ecdsa");
        var keyId = new Option<string>("--key-id") { Description = "The key id (SHA-256 thumbprint) to retire.", Required = true };

        var list = new Command("list", "List every signing key: owner, key id, algorithm, validity, status (signing, active, retired, expired).") { data };
        list.SetAction(result => Run("keys list", () =>
        {
            foreach (var key in Store(result.GetValue(data)!).List())
            {
                Console.WriteLine($"{key.Owner,-16} {key.KeyId} {key.Algorithm,-17} {key.NotBefore:yyyy-MM-dd} → {key.NotAfter:yyyy-MM-dd} {key.Status,-13} {key.Source}");
            }
        }));

        var generate = new Command("generate", "Create a new signing key (self-signed certificate, PEM, owner-only file mode).") { data, owner, algorithm };
        generate.SetAction(result => Run("keys generate", () =>
        {
            var store = Store(result.GetValue(data)!);
            var created = store.Generate(Owner(result.GetValue(owner), result.GetValue(data)!), result.GetValue(algorithm)!);
            Console.WriteLine($"created {created.KeyId} ({created.AlgorithmName}); give partners its certificate: {created.Certificate.Subject}");
        }));

        var rotate = new Command("rotate", "Start a rotation: a new key signs from now on, the previous one stays active, older ones are retired.") { data, owner, algorithm };
        rotate.SetAction(result => Run("keys rotate", () =>
        {
            var (created, retired) = Store(result.GetValue(data)!).Rotate(Owner(result.GetValue(owner), result.GetValue(data)!), result.GetValue(algorithm)!);
            Console.WriteLine($"signing key now {created.KeyId} ({created.AlgorithmName}); retired: {(retired.Count == 0 ? "none" : string.Join(", ", retired))}");
        }));

        var retire = new Command("retire", "Retire a generated key (kept under retired/ for the record).") { data, owner, keyId };
        retire.SetAction(result => Run("keys retire", () =>
        {
            var who = Owner(result.GetValue(owner), result.GetValue(data)!);
            if (!Store(result.GetValue(data)!).Retire(who, result.GetValue(keyId)!))
            {
                throw new InvalidOperationException($"no generated key {result.GetValue(keyId)} for {who}");
            }
            Console.WriteLine($"retired {result.GetValue(keyId)}");
        }));
        return new Command("keys", "Signing keys: per institution or access point, with rotation.") { list, generate, rotate, retire };
    }

    public static Command BuildTrust()
    {
        var data = DataOption();
        var list = new Command("list", "List the registered partner certificates (name = subject CN, key id, validity, file).") { data };
        list.SetAction(result => Run("trust list", () =>
        {
            foreach (var entry in TrustStore.List(result.GetValue(data)!))
            {
                Console.WriteLine($"{entry.Name,-16} {entry.KeyId} {entry.NotBefore:yyyy-MM-dd} → {entry.NotAfter:yyyy-MM-dd} {Path.GetFileName(entry.File)}");
            }
        }));
        var file = new Argument<FileInfo>("file") { Description = "A PEM certificate." };
        var kind = new Option<string>("--as") { Description = "partner (default: a signing certificate, keyed by its CN), anchor, or intermediate.", DefaultValueFactory = _ => "partner" };
        kind.AcceptOnlyFromAmong("partner", "anchor", "intermediate");
        var import = new Command("import", "Register a certificate in the trust store.") { file, kind, data };
        import.SetAction(result => Run("trust import", () =>
            Console.WriteLine($"registered {TrustStore.Import(result.GetValue(data)!, result.GetValue(file)!.FullName, result.GetValue(kind)!)}")));
        return new Command("trust", "The trust store: partner certificates, anchors, intermediates (CRLs go in <data>/trust/crls/).") { list, import };
    }

    internal static Option<string> DataOption() => new("--data") { Description = "Data folder.", DefaultValueFactory = _ => "data" };

    /// <summary>Configuration as the hub reads it for these commands: appsettings.json in the current folder, then the environment.</summary>
    internal static IConfiguration Configuration(string dataDirectory) => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
        .AddEnvironmentVariables()
        .AddInMemoryCollection(new Dictionary<string, string?> { ["Hub:DataDirectory"] = dataDirectory })
        .Build();

    internal static SigningKeyStore Store(string dataDirectory)
    {
        var configuration = Configuration(dataDirectory);
        var hub = configuration.GetSection(HubOptions.SectionName).Get<HubOptions>() ?? new HubOptions { DataDirectory = dataDirectory };
        var signing = configuration.GetSection(SigningOptions.SectionName).Get<SigningOptions>() ?? new SigningOptions();
        return new SigningKeyStore(Options.Create(hub), TimeProvider.System, NullLogger<SigningKeyStore>.Instance, Options.Create(signing));
    }

    internal static string Owner(string? owner, string dataDirectory) =>
        owner ?? Configuration(dataDirectory).GetSection(HubOptions.SectionName).Get<HubOptions>()?.AccessPointId ?? new HubOptions().AccessPointId;

    private static int Run(string name, Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or InvalidOperationException or ArgumentException)
        {
            Console.Error.WriteLine($"cleiss {name}: {ex.Message}");
            return 2;
        }
    }
}
