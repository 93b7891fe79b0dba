using Cleiss.Exchange.Hub.Trust;
using Microsoft.Data.Sqlite;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// The tamper-evident audit trail through the command line, against a running hub: its Quartz job signs a
/// checkpoint, `cleiss audit verify` says OK, `audit prove` writes a proof `audit check-proof` accepts with the
/// hub's certificate; a changed row makes verify name it, and a changed proof is refused.
/// </summary>
public sealed class AuditCliTests
{
    private sealed class QuickCheckpoints : HubRig
    {
        protected override IReadOnlyDictionary<string, string?> ExtraConfiguration => new Dictionary<string, string?>
        {
            ["Hub:Audit:CheckpointInterval"] = "00:00:00.200",
            ["Hub:Audit:CheckpointPoll"] = "00:00:00.100",
        };
    }

    [Fact]
    public async Task Verify_prove_and_check_proof_work_on_a_running_hub_and_a_changed_row_or_proof_is_caught()
    {
        var rig = new QuickCheckpoints();
        await rig.InitializeAsync();
        try
        {
            var (status, body) = await rig.PostAsync(HubRig.Fresh("valid/A001-outbound-1.xml"));
            Assert.Equal(202, status);
            var view = await rig.WaitForAsync(Guid.Parse(body["id"]!.GetValue<string>()), "delivered");
            var first = view.Events[0].Sequence;
            var proofFile = Path.Combine(rig.Root, "proof.json");
            var certificate = SigningKeyStore.CertificatePath(rig.HubData);

            // The checkpoint job runs every 100 ms and signs once entries waited 200 ms: poll for a proof (bounded).
            var proved = (Exit: -1, Output: string.Empty);
            for (var i = 0; i < 100 && proved.Exit != 0; i++)
            {
                proved = CliTests.Cleiss("audit", "prove", "--id", first.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", rig.HubData, "-o", proofFile);
                if (proved.Exit != 0)
                {
                    await Task.Delay(100);
                }
            }
            Assert.True(proved.Exit == 0, proved.Output);

            var verified = CliTests.Cleiss("audit", "verify", "--data", rig.HubData);
            Assert.True(verified.Exit == 0, verified.Output);
            Assert.StartsWith("OK: ", verified.Output, StringComparison.Ordinal);
            var checkedProof = CliTests.Cleiss("audit", "check-proof", proofFile, "--cert", certificate);
            Assert.True(checkedProof.Exit == 0, checkedProof.Output);
            Assert.StartsWith($"VALID: entry {first} (accepted of document {view.Id})", checkedProof.Output, StringComparison.Ordinal);

            var forgedProof = Path.Combine(rig.Root, "forged.json");
            await File.WriteAllTextAsync(forgedProof, (await File.ReadAllTextAsync(proofFile)).Replace("\"accepted\"", "\"rejected\"", StringComparison.Ordinal));
            var refused = CliTests.Cleiss("audit", "check-proof", forgedProof);
            Assert.Equal(1, refused.Exit);
            Assert.Contains("INVALID: the entry does not hash to the proof's leaf hash", refused.Output, StringComparison.Ordinal);

            await using (var connection = new SqliteConnection($"Data Source={Path.Combine(rig.HubData, "hub.db")};Pooling=False"))
            {
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = $"DROP TRIGGER audit_is_append_only_update; UPDATE audit SET event = 'rejected' WHERE seq = {first + 1}";
                await command.ExecuteNonQueryAsync();
            }
            var tampered = CliTests.Cleiss("audit", "verify", "--data", rig.HubData);
            Assert.Equal(1, tampered.Exit);
            Assert.StartsWith($"BAD at entry {first + 1}: ", tampered.Output, StringComparison.Ordinal);
        }
        finally
        {
            await rig.DisposeAsync();
        }
    }
}
