using Cleiss.Exchange.LoadTests;

if (args.Length > 0 && args[0] == "as4")
{
    return await As4Mode.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "kafka")
{
    return await KafkaMode.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "cluster")
{
    return await ClusterMode.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "scale")
{
    return await ScaleMode.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "load")
{
    return await LoadMode.RunAsync(args[1..]);
}
Console.Error.WriteLine("usage: kafka [seconds per run = 8] [concurrency list = 1,8,64] [warm-up seconds = 2] [records per variant = 2048] [librdkafka settings for both producers, e.g. linger.ms=0]");
Console.Error.WriteLine("usage: as4 [seconds per configuration = 25] [concurrency list = 1,8] [warm-up seconds = 5] [end-to-end seconds = 0] [results folder = /tmp/cleiss-as4-bench] [compression order = on,off]");
Console.Error.WriteLine("usage: cluster [postgres connection string | env CLEISS_PERF_POSTGRES] [seconds per configuration = 20] [node counts = 1,2,3] [concurrency = 16] [warm-up seconds = 5]");
Console.Error.WriteLine("usage: scale [backlog documents = 100000] [store documents = 1000000] [throughput documents = 4000] [rounds = 2] [concurrency = 16] [work folder = /tmp/cleiss-scale] [parts = backlog,store]");
Console.Error.WriteLine("usage: load [offered rates = 25,50,100,200] [seconds per level = 15] [warm-up seconds = 4] [max in flight = 64] [results folder = perf/results]");
return 2;
