using System.Security.Cryptography;
using System.Text;

namespace HybridEhr.Security;

/// <summary>
/// How an identity document number appears on the chains: HMAC-SHA256 under a network-wide pepper, never in
/// clear. A plain hash of a national id could be reversed by trying every number; the pepper (configuration
/// "Security:DocumentPepper", shared by Identity and the hospitals' enrolment) prevents that. The development
/// default is public and protects nothing.
/// </summary>
public static class DocumentIds
{
    public const string DevelopmentPepper = "hybridehr-development-document-pepper";

    /// <summary>Letters upper-cased, spaces, dots and dashes dropped, so "12.345.678-k" and "12345678K" are one document.</summary>
    public static string Normalize(string documentNumber) =>
        new([.. documentNumber.Where(c => !char.IsWhiteSpace(c) && c is not ('.' or '-')).Select(char.ToUpperInvariant)]);

    public static string Hash(string documentNumber, string pepper) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(pepper), Encoding.UTF8.GetBytes(Normalize(documentNumber))));
}
