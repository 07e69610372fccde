using Google.Protobuf;
using Google.Protobuf.Reflection;
using HybridEhr.Grpc.ReflectionV1Alpha;
using HybridEhr.Grpc.Server;

namespace HybridEhr.Grpc.Reflection;

/// <summary>
/// grpc.reflection.v1alpha.ServerReflection: lists the mapped services and serves the descriptors of their files
/// (with every file they import), built from the generated code, so tools need no local .proto files.
/// </summary>
internal sealed class ReflectionService(GrpcServiceRegistry registry)
{
    public async Task ServerReflectionInfo(
        IAsyncEnumerable<ServerReflectionRequest> requests,
        IServerStreamWriter<ServerReflectionResponse> responses,
        ServerCallContext context)
    {
        await foreach (var request in requests.WithCancellation(context.CancellationToken).ConfigureAwait(false))
        {
            await responses.WriteAsync(Answer(request), context.CancellationToken).ConfigureAwait(false);
        }
    }

    internal ServerReflectionResponse Answer(ServerReflectionRequest request)
    {
        var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        var index = SymbolIndex.Build(registry.Services);
        switch (request.MessageRequestCase)
        {
            case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                var list = new ListServiceResponse();
                list.Service.AddRange(registry.Services.Select(s => new ServiceResponse { Name = s.FullName }));
                response.ListServicesResponse = list;
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                SetFile(response, index.FindFile(request.FileByFilename), $"File not found: {request.FileByFilename}");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                SetFile(response, index.FindSymbol(request.FileContainingSymbol), $"Symbol not found: {request.FileContainingSymbol}");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                // proto3 files, which are all we serve, declare no extensions.
                SetError(response, StatusCode.NotFound, $"Extension not found: {request.FileContainingExtension.ContainingType}");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                if (index.FindSymbol(request.AllExtensionNumbersOfType) is null)
                {
                    SetError(response, StatusCode.NotFound, $"Type not found: {request.AllExtensionNumbersOfType}");
                }
                else
                {
                    response.AllExtensionNumbersResponse = new ExtensionNumberResponse { BaseTypeName = request.AllExtensionNumbersOfType };
                }

                break;
            default:
                SetError(response, StatusCode.InvalidArgument, "The reflection request names no question.");
                break;
        }

        return response;
    }

    private static void SetFile(ServerReflectionResponse response, FileDescriptor? file, string notFound)
    {
        if (file is null)
        {
            SetError(response, StatusCode.NotFound, notFound);
            return;
        }

        var files = new FileDescriptorResponse();
        foreach (var dependency in WithDependencies(file))
        {
            files.FileDescriptorProto.Add(dependency.SerializedData);
        }

        response.FileDescriptorResponse = files;
    }

    private static void SetError(ServerReflectionResponse response, StatusCode code, string message) =>
        response.ErrorResponse = new ErrorResponse { ErrorCode = (int)code, ErrorMessage = message };

    /// <summary>The file first, then everything it imports, transitively, each once.</summary>
    private static List<FileDescriptor> WithDependencies(FileDescriptor file)
    {
        var ordered = new List<FileDescriptor>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<FileDescriptor>([file]);
        while (pending.TryDequeue(out var next))
        {
            if (!seen.Add(next.Name))
            {
                continue;
            }

            ordered.Add(next);
            foreach (var dependency in next.Dependencies)
            {
                pending.Enqueue(dependency);
            }
        }

        return ordered;
    }

    /// <summary>Fully qualified symbols (services, methods, messages, enums, fields) and file names to files.</summary>
    private sealed class SymbolIndex
    {
        private readonly Dictionary<string, FileDescriptor> _files = new(StringComparer.Ordinal);
        private readonly Dictionary<string, FileDescriptor> _symbols = new(StringComparer.Ordinal);

        public static SymbolIndex Build(IEnumerable<ServiceDescriptor> services)
        {
            var index = new SymbolIndex();
            foreach (var service in services)
            {
                foreach (var file in WithDependencies(service.File))
                {
                    index.AddFile(file);
                }
            }

            return index;
        }

        public FileDescriptor? FindFile(string name) => _files.GetValueOrDefault(name);

        public FileDescriptor? FindSymbol(string name) => _symbols.GetValueOrDefault(name.TrimStart('.'));

        private void AddFile(FileDescriptor file)
        {
            if (!_files.TryAdd(file.Name, file))
            {
                return;
            }

            foreach (var service in file.Services)
            {
                _symbols[service.FullName] = file;
                foreach (var method in service.Methods)
                {
                    _symbols[method.FullName] = file;
                }
            }

            foreach (var message in file.MessageTypes)
            {
                AddMessage(file, message);
            }

            foreach (var enumType in file.EnumTypes)
            {
                _symbols[enumType.FullName] = file;
            }
        }

        private void AddMessage(FileDescriptor file, MessageDescriptor message)
        {
            _symbols[message.FullName] = file;
            foreach (var field in message.Fields.InDeclarationOrder())
            {
                _symbols[field.FullName] = file;
            }

            foreach (var nested in message.NestedTypes)
            {
                AddMessage(file, nested);
            }

            foreach (var enumType in message.EnumTypes)
            {
                _symbols[enumType.FullName] = file;
            }
        }
    }
}

/// <summary>
/// grpc.reflection.v1.ServerReflection, for newer tools. Its messages are wire-identical to v1alpha's, so requests
/// and answers are converted through their bytes and one implementation serves both.
/// </summary>
internal sealed class ReflectionV1Service(ReflectionService inner)
{
    public async Task ServerReflectionInfo(
        IAsyncEnumerable<ReflectionV1.ServerReflectionRequest> requests,
        IServerStreamWriter<ReflectionV1.ServerReflectionResponse> responses,
        ServerCallContext context)
    {
        await foreach (var request in requests.WithCancellation(context.CancellationToken).ConfigureAwait(false))
        {
            var answer = inner.Answer(ServerReflectionRequest.Parser.ParseFrom(request.ToByteString()));
            await responses.WriteAsync(ReflectionV1.ServerReflectionResponse.Parser.ParseFrom(answer.ToByteString()), context.CancellationToken)
                .ConfigureAwait(false);
        }
    }
}
