using System.CommandLine;
using Cleiss.Exchange.Hub.Configuration;

namespace Cleiss.Exchange.Hub.Host.Cli;

/// <summary>The <c>cleiss</c> command line: run, demo, validate, convert, directory, sign, verify, keys, trust, as4, audit, dlq, evidence.</summary>
internal static class CleissCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Cleiss.Exchange: the EESSI exchange hub of the French liaison body.");
        root.Subcommands.Add(RunCommand());
        root.Subcommands.Add(DemoCommand());
        root.Subcommands.Add(ValidateCommand.Build());
        root.Subcommands.Add(ConvertCommand.Build());
        root.Subcommands.Add(DirectoryCommand.Build());
        root.Subcommands.Add(SignatureCommands.BuildSign());
        root.Subcommands.Add(SignatureCommands.BuildVerify());
        root.Subcommands.Add(KeysCommand.BuildKeys());
        root.Subcommands.Add(KeysCommand.BuildTrust());
        root.Subcommands.Add(As4Command.Build());
        root.Subcommands.Add(AuditCommand.Build());
        root.Subcommands.Add(DeadLetterCommand.Build());
        root.Subcommands.Add(EvidenceCommand.Build());
        return root;
    }

    private static Command RunCommand()
    {
        var urls = new Option<string>("--urls") { Description = "Where the hub listens.", DefaultValueFactory = _ => "http://127.0.0.1:5180" };
        var data = new Option<string>("--data") { Description = "Data folder (SQLite store in embedded mode, keys, trust store).", DefaultValueFactory = _ => "data" };
        var mode = new Option<string>("--mode")
        {
            Description = "embedded (one process, SQLite) or cluster (several nodes on PostgreSQL and Kafka; see docs/operations.md).",
            DefaultValueFactory = _ => HubOptions.EmbeddedMode,
        };
        mode.AcceptOnlyFromAmong(HubOptions.EmbeddedMode, HubOptions.ClusterMode);
        var postgres = new Option<string?>("--postgres") { Description = "Cluster mode: the PostgreSQL connection string (or Hub__Postgres__ConnectionString)." };
        var kafka = new Option<string?>("--kafka") { Description = "Cluster mode: the Kafka bootstrap servers, host:port[,...] (or Hub__Kafka__BootstrapServers)." };
        var command = new Command("run", "Start a hub node: alone on the embedded default, or one node of a cluster.") { urls, data, mode, postgres, kafka };
        command.SetAction(async (result, cancellationToken) =>
        {
            var configuration = new Dictionary<string, string?> { ["Hub:Mode"] = result.GetValue(mode) };
            if (result.GetValue(postgres) is { } connectionString)
            {
                configuration["Hub:Postgres:ConnectionString"] = connectionString;
            }
            if (result.GetValue(kafka) is { } bootstrap)
            {
                configuration["Hub:Kafka:BootstrapServers"] = bootstrap;
            }
            await using var app = HubApp.Build(new HubHostSettings { Urls = result.GetValue(urls)!, DataDirectory = result.GetValue(data)!, Configuration = configuration });
            await app.StartAsync(cancellationToken);
            try
            {
                await app.WaitForShutdownAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
            await app.StopAsync(CancellationToken.None);
            return 0;
        });
        return command;
    }

    private static Command DemoCommand()
    {
        var urls = new Option<string>("--urls") { Description = "Where the hub listens.", DefaultValueFactory = _ => "http://127.0.0.1:5180" };
        var apUrls = new Option<string>("--partner-urls") { Description = "Where the second hub, the Belgian liaison body's (BE:AP0001), listens.", DefaultValueFactory = _ => "http://127.0.0.1:5181" };
        var data = new Option<string>("--data") { Description = "Data folder.", DefaultValueFactory = _ => "data" };
        var exit = new Option<bool>("--exit-when-done") { Description = "Stop once every sample reached its end state (for scripts)." };
        var command = new Command("demo", "Start the French hub and a second hub as the Belgian liaison body, exchanging over AS4 on loopback, and feed them the shipped samples both ways.") { urls, apUrls, data, exit };
        command.SetAction((result, cancellationToken) => new DemoRunner(
            result.GetValue(urls)!, result.GetValue(apUrls)!, result.GetValue(data)!, result.GetValue(exit), Console.Out).RunAsync(cancellationToken));
        return command;
    }
}
