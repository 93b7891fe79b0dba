namespace Cleiss.Exchange.Hub.Abstractions;

/// <summary>A party named in the SBDH: an institution id and its role in the case.</summary>
/// <param name="InstitutionId">Institution id, <c>CC:xxxx</c> (e.g. <c>FR:CLEISS0002</c>).</param>
/// <param name="Role">CaseOwner or Counterparty.</param>
public sealed record SbdhParty(string InstitutionId, string Role);

/// <summary>The routing facts of a Standard Business Document Header. Holds no personal data.</summary>
public sealed record SbdhHeader
{
    /// <summary>The sending institution.</summary>
    public required SbdhParty Sender { get; init; }

    /// <summary>The receiving institutions (one or more).</summary>
    public required IReadOnlyList<SbdhParty> Receivers { get; init; }

    /// <summary>The document standard, e.g. <c>urn:eu:europa:ec:dgempl:eessi:sed:4.4</c>.</summary>
    public string Standard { get; init; } = string.Empty;

    /// <summary>SED type, e.g. <c>A001</c>.</summary>
    public required string SedType { get; init; }

    /// <summary>Document type version, e.g. <c>4.4</c>.</summary>
    public required string TypeVersion { get; init; }

    /// <summary>The sender's unique id of this document (a GUID); the idempotency key.</summary>
    public required string InstanceIdentifier { get; init; }

    /// <summary>When the sender created the document (ISO-8601 with offset).</summary>
    public required string CreationDateAndTime { get; init; }

    /// <summary>The case (BUC instance) id.</summary>
    public required string CaseId { get; init; }

    /// <summary>Business service name, e.g. <c>LA_BUC_01:4.4</c>.</summary>
    public required string BusinessService { get; init; }

    /// <summary>
    /// The document's date: the calendar date written in <see cref="CreationDateAndTime"/> (the sender's
    /// local date), used for every date rule and competence check. <see cref="DateOnly.MaxValue"/> if unreadable.
    /// </summary>
    public DateOnly DocumentDate => CreationDateAndTime.Length >= 10
        && DateOnly.TryParseExact(CreationDateAndTime.AsSpan(0, 10), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var date)
            ? date
            : DateOnly.MaxValue;

    /// <summary>The BUC type part of <see cref="BusinessService"/>, e.g. <c>LA_BUC_01</c>.</summary>
    public string BucType
    {
        get
        {
            var colon = BusinessService.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? BusinessService : BusinessService[..colon];
        }
    }
}
