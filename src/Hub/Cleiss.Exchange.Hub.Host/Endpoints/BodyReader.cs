using System.Buffers;
using Cleiss.Exchange.Hub.Abstractions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Cleiss.Exchange.Hub.Host.Endpoints;

/// <summary>What kind of document a request carries.</summary>
internal enum BodyKind
{
    Xml,
    Json,
}

/// <summary>Reads a request body within a byte cap, refusing early on Content-Length.</summary>
internal static class BodyReader
{
    public static BodyKind? Classify(HttpRequest request, bool allowJson, string stage, out ExchangeError? error)
    {
        error = null;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var media))
        {
            error = Unsupported(stage, "A Content-Type of application/xml" + (allowJson ? " or application/json" : string.Empty) + " is required.");
            return null;
        }
        if (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            error = Unsupported(stage, "Only the utf-8 charset is accepted.");
            return null;
        }
        var type = media.MediaType.Value?.ToLowerInvariant();
        if (type is "application/xml" or "text/xml")
        {
            return BodyKind.Xml;
        }
        if (allowJson && type == "application/json")
        {
            return BodyKind.Json;
        }
        error = Unsupported(stage, $"Content-Type '{type}' is not supported here.");
        return null;
    }

    public static async Task<(byte[]? Body, ExchangeError? Error)> ReadAsync(HttpRequest request, int maxBytes, string stage, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(stage, maxBytes));
        }
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }
        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is > 0 and var n ? (int)n : 16 * 1024);
        try
        {
            while (true)
            {
                var read = await request.Body.ReadAsync(buffer.GetMemory(16 * 1024), cancellationToken);
                if (read == 0)
                {
                    break;
                }
                buffer.Advance(read);
                if (buffer.WrittenCount > maxBytes)
                {
                    return (null, TooLarge(stage, maxBytes));
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(stage, maxBytes));
        }
        if (buffer.WrittenCount == 0)
        {
            return (null, ExchangeErrors.Permanent(ExchangeErrors.IngestEmptyBody, stage, "The request has no body."));
        }
        return (buffer.WrittenSpan.ToArray(), null);
    }

    public static ExchangeError TooLarge(string stage, int maxBytes) =>
        ExchangeErrors.Permanent(ExchangeErrors.IngestTooLarge, stage, $"Documents are limited to {maxBytes} bytes.");

    private static ExchangeError Unsupported(string stage, string detail) =>
        ExchangeErrors.Permanent(ExchangeErrors.IngestUnsupportedMediaType, stage, detail);
}
