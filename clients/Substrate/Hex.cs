namespace HybridEhr.Clients.Substrate;

/// <summary>0x-prefixed lower-case hex, the form every Substrate RPC uses for bytes.</summary>
public static class Hex
{
    public static string Encode(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);

    public static byte[] Decode(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        var digits = hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex;
        if (digits.Length % 2 == 1)
        {
            digits = "0" + digits;
        }

        return Convert.FromHexString(digits);
    }
}
