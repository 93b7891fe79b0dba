using System.Security.Cryptography;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Tests.Trust;

/// <summary>
/// Lets SignedXml make ECDSA-SHA256 signatures in tests (hostile variants built with the platform signer). The hub
/// itself signs and verifies without SignedXml's signature methods, so it needs no registration.
/// </summary>
internal static class SignedXmlEcdsa
{
    static SignedXmlEcdsa() => CryptoConfig.AddAlgorithm(typeof(EcdsaSha256SignatureDescription), SignatureAlgorithms.EcdsaSha256);

    /// <summary>Registers the method once (runs the static constructor).</summary>
    public static void EnsureRegistered()
    {
    }
}

/// <summary>
/// ECDSA with SHA-256 for SignedXml: the signature value is r‖s (IEEE P1363), as XML-DSig wants.
/// Public only because CryptoConfig instantiates it; registered by <see cref="SignatureAlgorithms"/>.
/// </summary>
public sealed class EcdsaSha256SignatureDescription : SignatureDescription
{
    public EcdsaSha256SignatureDescription()
    {
        KeyAlgorithm = typeof(ECDsa).AssemblyQualifiedName;
        DigestAlgorithm = typeof(SHA256).AssemblyQualifiedName;
    }

    public override HashAlgorithm CreateDigest() => SHA256.Create();

    public override AsymmetricSignatureFormatter CreateFormatter(AsymmetricAlgorithm key) => new Formatter(key as ECDsa);

    public override AsymmetricSignatureDeformatter CreateDeformatter(AsymmetricAlgorithm key) => new Deformatter(key as ECDsa);

    private sealed class Formatter(ECDsa? key) : AsymmetricSignatureFormatter
    {
        private ECDsa? _key = key;

        public override void SetKey(AsymmetricAlgorithm key) => _key = key as ECDsa;

        public override void SetHashAlgorithm(string strName)
        {
        }

        public override byte[] CreateSignature(byte[] rgbHash) =>
            (_key ?? throw new CryptographicException("No ECDSA key.")).SignHash(rgbHash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    private sealed class Deformatter(ECDsa? key) : AsymmetricSignatureDeformatter
    {
        private ECDsa? _key = key;

        public override void SetKey(AsymmetricAlgorithm key) => _key = key as ECDsa;

        public override void SetHashAlgorithm(string strName)
        {
        }

        public override bool VerifySignature(byte[] rgbHash, byte[] rgbSignature) =>
            _key is not null && _key.VerifyHash(rgbHash, rgbSignature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }
}
