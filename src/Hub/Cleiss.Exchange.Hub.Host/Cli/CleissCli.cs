using System.CommandLine;

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
        var data = new Option<string>("--data") { Description = "Data folder (SQLite store, keys, trust store).", DefaultValueFactory = _ => "data" };
        var command = new Command("run", "Start the hub alone on the embedded default (SQLite under the data folder).") { urls, data };
        command.SetAction(async (result, cancellationToken) =>
        {
            await using var app = HubApp.Build(new HubHostSettings { Urls = result.GetValue(urls)!, DataDirectory = result.GetValue(data)! });
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
