using Cleiss.Exchange.Hub.Host.Cli;

return await CleissCli.Build().Parse(args).InvokeAsync();
