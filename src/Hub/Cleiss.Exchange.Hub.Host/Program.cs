using Cleiss.Exchange.Hub.Host.Cli;

var parse = CleissCli.Build().Parse(args);
if (parse.Errors.Count > 0)
{
    // Usage errors exit with 2 (1 means "the document is invalid" for `cleiss validate`).
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine(error.Message);
    }
    Console.Error.WriteLine("Try 'cleiss --help'.");
    return 2;
}
return await parse.InvokeAsync();
