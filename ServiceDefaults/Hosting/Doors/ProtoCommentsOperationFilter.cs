using System.Xml.Linq;
using Grpc.AspNetCore.Server;
using Microsoft.OpenApi.Models;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace HybridEhr.ServiceDefaults.Doors;

/// <summary>
/// Gives each JSON route the comment its RPC has in the .proto (what it does, who may call it, the errors it
/// returns). Grpc.Tools puts those comments on the generated base class's methods; the service overrides them
/// without comments of its own, so they are looked up on the base.
/// </summary>
internal sealed class ProtoCommentsOperationFilter(string contractDocsPath) : IOperationFilter
{
    private readonly Lazy<Dictionary<string, string>> _summaries = new(() => Load(contractDocsPath));

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var grpc = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<GrpcMethodMetadata>().FirstOrDefault();
        if (grpc is null || !string.IsNullOrEmpty(operation.Description))
        {
            return;
        }

        for (var type = grpc.ServiceType; type is not null; type = type.BaseType)
        {
            if (_summaries.Value.TryGetValue($"M:{type.FullName?.Replace('+', '.')}.{grpc.Method.Name}(", out var comment))
            {
                operation.Summary = comment.Split('\n')[0];
                operation.Description = comment;
                return;
            }
        }
    }

    /// <summary>Method member names of the XML docs, up to their '(', with their summary text, de-indented.</summary>
    private static Dictionary<string, string> Load(string path)
    {
        var summaries = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return summaries;
        }

        foreach (var member in XDocument.Load(path).Descendants("member"))
        {
            var name = (string?)member.Attribute("name");
            var summary = member.Element("summary")?.Value;
            var paren = name?.IndexOf('(', StringComparison.Ordinal) ?? -1;
            if (name is null || summary is null || !name.StartsWith("M:", StringComparison.Ordinal) || paren < 0)
            {
                continue;
            }

            var lines = summary.Replace("\r", "", StringComparison.Ordinal).Split('\n').Where(line => line.Trim().Length > 0).ToList();
            var indent = lines.Count == 0 ? 0 : lines.Min(line => line.Length - line.TrimStart().Length);
            summaries[name[..(paren + 1)]] = string.Join('\n', lines.Select(line => line[indent..].TrimEnd()));
        }

        return summaries;
    }
}
