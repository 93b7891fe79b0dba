namespace Cleiss.Exchange.Adapters.As4.Sending;

/// <summary>Reads a partner's HTTP answer under a byte cap (a hostile partner cannot make the hub buffer without bound).</summary>
internal static class As4HttpAnswer
{
    public static async Task<byte[]> ReadAsync(HttpResponseMessage response, int maxBytes, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new System.Net.ProtocolViolationException($"The partner's answer exceeds {maxBytes} bytes.");
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>The answer framed for <see cref="As4MessageReader"/>: its Content-Type header, a blank line, the body.</summary>
    public static byte[] Framed(string? contentType, byte[] body) =>
        [.. System.Text.Encoding.ASCII.GetBytes($"Content-Type: {contentType}\r\n\r\n"), .. body];
}
