using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HybridEhr.Messaging;

public static class EventBus
{
    /// <summary>
    /// MassTransit on RabbitMQ when "ConnectionStrings:rabbitmq" is set (amqp://user:pass@host:port/vhost), otherwise
    /// the in-memory transport, whose events stay inside this process. Consumers get one queue per service.
    /// </summary>
    public static WebApplicationBuilder AddEventBus(this WebApplicationBuilder builder, Action<IBusRegistrationConfigurator>? consumers = null)
    {
        var rabbit = builder.Configuration.GetConnectionString("rabbitmq");
        var serviceName = builder.Environment.ApplicationName;
        builder.Services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(prefix: serviceName, includeNamespace: false));
            consumers?.Invoke(bus);
            if (string.IsNullOrWhiteSpace(rabbit))
            {
                bus.UsingInMemory((context, transport) => transport.ConfigureEndpoints(context));
            }
            else
            {
                bus.UsingRabbitMq((context, transport) =>
                {
                    transport.Host(new Uri(rabbit));
                    transport.ConfigureEndpoints(context);
                });
            }
        });
        return builder;
    }
}
