using System.Reflection;
using Google.Protobuf.Reflection;

namespace HybridEhr.Grpc.Server;

/// <summary>
/// Binds the methods of an implementation class to a service described by a generated file descriptor, by name.
/// Expected shapes (as in other .NET gRPC stacks):
/// unary <c>Task&lt;TResp&gt; M(TReq, ServerCallContext)</c>;
/// server streaming <c>Task M(TReq, IServerStreamWriter&lt;TResp&gt;, ServerCallContext)</c>;
/// client streaming <c>Task&lt;TResp&gt; M(IAsyncEnumerable&lt;TReq&gt;, ServerCallContext)</c>;
/// duplex <c>Task M(IAsyncEnumerable&lt;TReq&gt;, IServerStreamWriter&lt;TResp&gt;, ServerCallContext)</c>.
/// A method the class lacks is answered UNIMPLEMENTED; a method with the right name but a wrong shape fails at
/// start-up, so a typo never turns silently into UNIMPLEMENTED.
/// </summary>
internal static class ServiceBinder
{
    public static IReadOnlyList<ServerMethodHandler> Bind(Type serviceType, ServiceDescriptor service)
    {
        var handlers = new List<ServerMethodHandler>();
        foreach (var method in service.Methods)
        {
            var candidates = serviceType.GetMethods(BindingFlags.Public | BindingFlags.Instance)
                .Where(m => m.Name == method.Name)
                .ToList();
            if (candidates.Count == 0)
            {
                continue;
            }

            var request = method.InputType.ClrType;
            var response = method.OutputType.ClrType;
            var (handlerType, delegateType, parameters, returnType) = Shape(serviceType, method, request, response);
            var match = candidates.FirstOrDefault(m =>
                m.ReturnType == returnType && m.GetParameters().Select(p => p.ParameterType).SequenceEqual(parameters))
                ?? throw new InvalidOperationException(
                    $"{serviceType.Name}.{method.Name} does not match {service.FullName}/{method.Name}: expected " +
                    $"{Describe(returnType)} {method.Name}({string.Join(", ", parameters.Select(Describe))}).");

            var invoker = Delegate.CreateDelegate(delegateType, match);
            var handler = (ServerMethodHandler)Activator.CreateInstance(
                handlerType.MakeGenericType(serviceType, request, response), method, invoker)!;
            handlers.Add(handler);
        }

        return handlers;
    }

    private static (Type Handler, Type Delegate, Type[] Parameters, Type Return) Shape(
        Type serviceType, MethodDescriptor method, Type request, Type response)
    {
        var context = typeof(ServerCallContext);
        var writer = typeof(IServerStreamWriter<>).MakeGenericType(response);
        var reader = typeof(IAsyncEnumerable<>).MakeGenericType(request);
        var taskOfResponse = typeof(Task<>).MakeGenericType(response);
        return (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (false, false) => (typeof(UnaryHandler<,,>),
                typeof(Func<,,,>).MakeGenericType(serviceType, request, context, taskOfResponse),
                [request, context], taskOfResponse),
            (false, true) => (typeof(ServerStreamingHandler<,,>),
                typeof(Func<,,,,>).MakeGenericType(serviceType, request, writer, context, typeof(Task)),
                [request, writer, context], typeof(Task)),
            (true, false) => (typeof(ClientStreamingHandler<,,>),
                typeof(Func<,,,>).MakeGenericType(serviceType, reader, context, taskOfResponse),
                [reader, context], taskOfResponse),
            (true, true) => (typeof(DuplexStreamingHandler<,,>),
                typeof(Func<,,,,>).MakeGenericType(serviceType, reader, writer, context, typeof(Task)),
                [reader, writer, context], typeof(Task)),
        };
    }

    private static string Describe(Type type) => type.IsGenericType
        ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(Describe))}>"
        : type.Name;
}
