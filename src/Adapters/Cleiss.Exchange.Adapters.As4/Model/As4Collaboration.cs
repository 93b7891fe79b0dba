namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>eb:CollaborationInfo.</summary>
public sealed record As4Collaboration(string? AgreementRef, string? AgreementRefType, string? AgreementPMode, string? Service, string? ServiceType, string? Action, string? ConversationId);
