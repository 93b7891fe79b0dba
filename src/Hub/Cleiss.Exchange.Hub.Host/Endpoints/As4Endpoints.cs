using System.Text;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Host.As4;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Host.Endpoints;

/// <summary>
/// The hub's AS4 endpoint (issue 5; runs per message): reads the message (bounded) and hands it on by what it is.
/// A user message (push) goes to <see cref="As4ReceiveService"/> (the same path as a pulled one) and is answered by a
/// signed receipt or ebMS error signal; an eb:PullRequest and the receipt for a pulled message go to
/// <see cref="As4PullResponder"/>; an ebMS error signal is noted; a MIME structure the reader refuses is a MimeInconsistency (H14). Mutual TLS: see <see cref="Tls.As4TlsBinding"/> (ADR 0011).
/// </summary>
internal static class As4Endpoints
{
    public static void MapAs4Endpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/as4", ReceiveAsync).WithTags("Access point")
            .WithSummary("Receive an AS4 message: a user message (push; answers a signed NRR receipt or an ebMS error signal), a signed "
                + "PullRequest (answers the oldest message of the MPC or EBMS:0006), or the receipt for a pulled message.")
            .Produces<string>(200, As4Answer.SoapMediaType);
    }

    private static async Task<IResult> ReceiveAsync(
        HttpRequest request, As4ReceiveService receive, As4PullResponder pulls, SigningKeyStore keys, TimeProvider time,
        IOptions<IntakeOptions> limits, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var readerLimits = new As4ReaderLimits { Xml = limits.Value };
        var (body, readError) = await BodyReader.ReadAsync(request, readerLimits.MaxMessageBytes, "receive", cancellationToken);
        if (body is null)
        {
            return Result(As4Answer.Error(keys, time, null, EbmsErrors.Other, readError!.Detail, 413));
        }
        var framed = Encoding.ASCII.GetBytes($"Content-Type: {request.ContentType}\r\n\r\n").Concat(body).ToArray();
        var message = As4MessageReader.TryRead(framed, readerLimits, out var error);
        if (message is null)
        {
            // H14: a MIME structure refused by the reader (parts, part headers, boundaries) is a MimeInconsistency.
            var mime = error!.Code.StartsWith("AS4.MIME_", StringComparison.Ordinal);
            return Result(As4Answer.Error(keys, time, null, mime ? EbmsErrors.MimeInconsistency : EbmsErrors.InvalidHeader, error.Code,
                ExchangeErrors.All.TryGetValue(error.Code, out var known) ? known.HttpStatus : 400));
        }
        var answer = message.Messaging switch
        {
            { UserMessages.Count: > 0 } => await receive.ReceiveUserMessageAsync(message, cancellationToken, connection: request.HttpContext, raw: (body, request.ContentType)),
            { SignalMessages: [{ PullRequest: not null } signal] } => await pulls.AnswerPullAsync(message, signal, cancellationToken),
            { SignalMessages: [{ Receipt: not null } signal] } => await pulls.AcceptReceiptAsync(message, signal, cancellationToken),
            { SignalMessages: [{ Errors: [var first, ..] } signal] } => Noted(loggers, first.ErrorCode, signal.MessageInfo?.RefToMessageId),
            _ => As4Answer.Error(keys, time, null, EbmsErrors.InvalidHeader, "Exactly one eb:UserMessage with a MessageId, or one signal, is required.", 400),
        };
        return Result(answer);
    }

    /// <summary>
    /// An ebMS error about a message the hub sent (e.g. a partner could not accept a pulled message): logged; a pulled
    /// message stays queued, so the partner can pull it again once the cause is fixed.
    /// </summary>
    private static As4Answer Noted(ILoggerFactory loggers, string? errorCode, string? refTo)
    {
        HostLog.As4ErrorSignalReceived(loggers.CreateLogger(typeof(As4Endpoints).FullName!), errorCode ?? "none", refTo ?? "none");
        return new As4Answer(200, null, []);
    }

    private static As4Result Result(As4Answer answer) => new(answer);

    /// <summary>The answer as is: its status, and its body with its Content-Type when it has one.</summary>
    private sealed class As4Result(As4Answer answer) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = answer.Status;
            if (answer.ContentType is not null)
            {
                httpContext.Response.ContentType = answer.ContentType;
                httpContext.Response.ContentLength = answer.Body.Length;
                await httpContext.Response.Body.WriteAsync(answer.Body, httpContext.RequestAborted);
            }
        }
    }
}
