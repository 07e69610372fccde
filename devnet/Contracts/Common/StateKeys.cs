namespace HybridEhr.Devnet.Contracts.Common;

/// <summary>Builds composite state keys: a table name and its id parts joined by a separator no valid id contains.</summary>
public static class StateKeys
{
    /// <summary>U+0000, as Fabric's composite keys use; <see cref="Identifiers"/> never admits it.</summary>
    public const char Separator = '\u0000';

    public static string Key(string table, params string[] parts) =>
        parts.Length == 0 ? table + Separator : table + Separator + string.Join(Separator, parts);

    /// <summary>The prefix of every key of <paramref name="table"/> whose leading parts are <paramref name="parts"/>.</summary>
    public static string Prefix(string table, params string[] parts) =>
        parts.Length == 0 ? table + Separator : table + Separator + string.Join(Separator, parts) + Separator;
}
