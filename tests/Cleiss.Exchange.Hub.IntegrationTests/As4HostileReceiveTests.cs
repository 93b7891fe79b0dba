using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Cleiss.Exchange.Adapters.As4.Sending;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// HOSTILE-INPUTS S22, S23, S24 and S26 at the hub's /as4 endpoint (real Kestrel, real store): each hostile message
/// gets its HTTP status and an error signal signed by the hub with the ebMS code, and nothing is stored or delivered.
/// </summary>
public sealed class As4HostileReceiveTests : IClassFixture<HubRig>
{
    private readonly HubRig _rig;
    private readonly As4HostileSender _sender;

    public As4HostileReceiveTests(HubRig rig)
    {
        _rig = rig;
        _sender = new As4HostileSender(rig);
    }

    /// <summary>A loopback listener that counts the connections it accepts (a fetch would be one).</summary>
    private sealed class Listener : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private int _connections;

        public Listener()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/key";

        public int Connections => Volatile.Read(ref _connections);

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    using var client = await _listener.AcceptTcpClientAsync();
                    Interlocked.Increment(ref _connections);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }

        public void Dispose() => _listener.Stop();
    }

    [Fact]
    public async Task S22_a_huge_CipherValue_is_refused_by_the_value_cap_before_any_decryption()
    {
        var draft = _sender.NewDraft();
        var (envelope, sed) = _sender.Valid(draft);
        var (encrypted, _) = As4HostileSender.Encrypt(envelope, draft.PayloadId, draft.Sed, _sender.HubCertificate());
        var huge = System.Text.RegularExpressions.Regex.Replace(encrypted, "<xenc:CipherValue>[^<]*</xenc:CipherValue>",
            $"<xenc:CipherValue>{new string('A', 4 * 1024 * 1024)}</xenc:CipherValue>");

        var answer = await _sender.PostAsync(As4HostileSender.Mime(huge, sed));

        await _sender.AssertRefusedAsync(answer, 400, "EBMS:0009", draft);
        Assert.Contains("INGEST.LIMIT_EXCEEDED", Assert.Single(answer.Signal.Errors).Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cipher-reference")] // CipherReference to an external URI
    [InlineData("retrieval-method")] // the EncryptedKey's KeyInfo fetches its key from outside
    public async Task S22_an_encrypted_part_pointing_outside_the_message_is_refused_with_zero_connections(string where)
    {
        using var listener = new Listener();
        var draft = _sender.NewDraft();
        var (envelope, _) = _sender.Valid(draft);
        var (encrypted, cipher) = where == "cipher-reference"
            ? As4HostileSender.Encrypt(envelope, draft.PayloadId, draft.Sed, _sender.HubCertificate(), cipherReference: listener.Url)
            : As4HostileSender.Encrypt(envelope, draft.PayloadId, draft.Sed, _sender.HubCertificate(),
                extraKeyInfo: $"""<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:RetrievalMethod URI="{listener.Url}"/></ds:KeyInfo>""");

        var answer = await _sender.PostAsync(As4HostileSender.Mime(encrypted, (draft.PayloadId, "application/octet-stream", cipher)));

        await _sender.AssertRefusedAsync(answer, 403, "EBMS:0103", draft);
        Assert.Equal(0, listener.Connections);
    }

    [Fact]
    public async Task S22_encrypted_keys_that_reference_each_other_in_a_loop_are_refused_unread()
    {
        var draft = _sender.NewDraft();
        var (envelope, _) = _sender.Valid(draft);
        var loop = """<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><wsse:SecurityTokenReference xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:Reference URI="#ek-1"/></wsse:SecurityTokenReference><ds:RetrievalMethod URI="#ed-1" Type="http://www.w3.org/2001/04/xmlenc#EncryptedKey"/></ds:KeyInfo>""";
        var (encrypted, cipher) = As4HostileSender.Encrypt(envelope, draft.PayloadId, draft.Sed, _sender.HubCertificate(), extraKeyInfo: loop);
        encrypted = encrypted.Replace("<xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2009/xmlenc11#aes128-gcm\"/>",
            "<xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2009/xmlenc11#aes128-gcm\"/>" + loop.Replace("#ek-1", "#ed-1", StringComparison.Ordinal).Replace("#ed-1\" Type", "#ek-1\" Type", StringComparison.Ordinal), StringComparison.Ordinal);

        var answer = await _sender.PostAsync(As4HostileSender.Mime(encrypted, (draft.PayloadId, "application/octet-stream", cipher)));

        await _sender.AssertRefusedAsync(answer, 403, "EBMS:0103", draft);
    }

    [Fact]
    public async Task S23_a_PartInfo_naming_a_missing_cid_part_is_an_ExternalPayloadError()
    {
        var draft = _sender.NewDraft();
        var signed = _sender.Sign(draft.Envelope, []);

        var answer = await _sender.PostAsync(As4HostileSender.Mime(signed, ("other@be.example", "application/xml", draft.Sed)));
        var none = await _sender.PostAsync(As4HostileSender.Mime(signed));

        await _sender.AssertRefusedAsync(answer, 400, "EBMS:0011", draft);
        await _sender.AssertRefusedAsync(none, 400, "EBMS:0011", draft);
    }

    [Fact]
    public async Task S23_a_PartInfo_pointing_outside_the_message_is_refused_and_never_fetched()
    {
        using var listener = new Listener();
        var draft = _sender.NewDraft();
        var envelope = draft.Envelope.Replace($"href=\"cid:{draft.PayloadId}\"", $"href=\"{listener.Url}\"", StringComparison.Ordinal);
        var signed = _sender.Sign(envelope, []);

        var answer = await _sender.PostAsync(As4HostileSender.Mime(signed, (draft.PayloadId, "application/xml", draft.Sed)));

        await _sender.AssertRefusedAsync(answer, 400, "EBMS:0011", draft);
        Assert.Equal(0, listener.Connections);
    }

    [Fact]
    public async Task S23_an_extra_unsigned_MIME_part_is_refused()
    {
        var draft = _sender.NewDraft();
        var (envelope, sed) = _sender.Valid(draft);

        var answer = await _sender.PostAsync(As4HostileSender.Mime(envelope, sed, ("extra@be.example", "application/xml", Encoding.UTF8.GetBytes("<evil/>"))));

        await _sender.AssertRefusedAsync(answer, 400, "EBMS:0003", draft);
    }

    [Fact]
    public async Task S23_a_duplicate_PartInfo_is_refused_even_when_validly_signed()
    {
        var draft = _sender.NewDraft();
        var start = draft.Envelope.IndexOf("<eb:PartInfo", StringComparison.Ordinal);
        var end = draft.Envelope.IndexOf("</eb:PartInfo>", start, StringComparison.Ordinal) + "</eb:PartInfo>".Length;
        var twice = draft.Envelope.Insert(end, draft.Envelope[start..end]);
        var signed = _sender.Sign(twice, [new SignedAttachment(draft.PayloadId, draft.Sed)]);

        var answer = await _sender.PostAsync(As4HostileSender.Mime(signed, (draft.PayloadId, "application/xml", draft.Sed)));

        await _sender.AssertRefusedAsync(answer, 400, "EBMS:0003", draft);
    }

    [Fact]
    public async Task S23_two_MIME_parts_with_the_Content_ID_the_PartInfo_names_are_refused()
    {
        var draft = _sender.NewDraft();
        var (envelope, sed) = _sender.Valid(draft);

        var answer = await _sender.PostAsync(As4HostileSender.Mime(envelope, sed, (draft.PayloadId, "application/xml", Encoding.UTF8.GetBytes("<evil/>"))));

        await _sender.AssertRefusedAsync(answer, 400, "EBMS:0011", draft);
    }

    [Fact]
    public async Task S24_a_gzip_bomb_validly_signed_is_capped_and_refused_with_DecompressionFailure()
    {
        // 1 GiB of zeros in about 1 MB: one gzip member of 16 MiB, repeated (GZipStream reads concatenated members).
        using var member = new MemoryStream();
        using (var gzip = new GZipStream(member, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(new byte[16 * 1024 * 1024]);
        }
        var bomb = Enumerable.Repeat(member.ToArray(), 64).SelectMany(b => b).ToArray();
        var draft = _sender.NewDraft(new As4PMode { Id = "gz", AccessPointId = "FR:AP0001", Url = "https://fr.example/as4", Compress = true });
        var signed = _sender.Sign(draft.Envelope, [new SignedAttachment(draft.PayloadId, bomb)]);

        var before = GC.GetTotalAllocatedBytes(precise: false);
        var answer = await _sender.PostAsync(As4HostileSender.Mime(signed, (draft.PayloadId, "application/gzip", bomb)));
        var allocated = GC.GetTotalAllocatedBytes(precise: false) - before;

        await _sender.AssertRefusedAsync(answer, 400, "EBMS:0303", draft);
        // The whole process (hub and test) allocated far less than the 1 GiB the bomb inflates to: it stopped at the cap.
        Assert.True(allocated < 256L * 1024 * 1024, $"{allocated / (1024 * 1024)} MiB allocated");
    }

    [Fact]
    public async Task S26_an_encrypted_but_unsigned_message_is_PolicyNoncompliance_and_nothing_is_delivered()
    {
        var draft = _sender.NewDraft();
        var (encrypted, cipher) = As4HostileSender.Encrypt(draft.Envelope, draft.PayloadId, draft.Sed, _sender.HubCertificate());

        var answer = await _sender.PostAsync(As4HostileSender.Mime(encrypted, (draft.PayloadId, "application/octet-stream", cipher)));

        await _sender.AssertRefusedAsync(answer, 403, "EBMS:0103", draft);
    }

    [Theory]
    [InlineData("valid")] // signed then encrypted to the hub: the P-Mode has no encryption, so it is refused unread
    [InlineData("bad-signature")] // it would decrypt with the hub's key, but the SignatureValue is broken
    public async Task S26_a_signed_then_encrypted_message_is_PolicyNoncompliance_and_never_decrypted_or_delivered(string variant)
    {
        var draft = _sender.NewDraft();
        var (envelope, _) = _sender.Valid(draft);
        var (encrypted, cipher) = As4HostileSender.Encrypt(envelope, draft.PayloadId, draft.Sed, _sender.HubCertificate());
        if (variant == "bad-signature")
        {
            var at = encrypted.IndexOf("<ds:SignatureValue>", StringComparison.Ordinal) + "<ds:SignatureValue>".Length;
            encrypted = encrypted[..at] + (encrypted[at] == 'A' ? 'B' : 'A') + encrypted[(at + 1)..];
        }

        var answer = await _sender.PostAsync(As4HostileSender.Mime(encrypted, (draft.PayloadId, "application/octet-stream", cipher)));

        await _sender.AssertRefusedAsync(answer, 403, "EBMS:0103", draft);
    }
}
