using Prometheus;
using TenantChat.Shared;
using TenantChat.Silo.Extensions;
using TenantChat.Silo.Schema;

// The migration step alone, as the schema owner: apply sql/ and exit (docs/behaviour.md, "Row-level security").
if (MigrateCommand.Requested(args))
{
    return await MigrateCommand.RunAsync(args);
}

// Settings ship beside the assembly: `dotnet X.dll` works from any working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.UseOrleans(silo => silo.UseConfiguredEndpoints(builder.Configuration).AddTenantChat(builder.Configuration).AddOperatorDashboard(builder.Configuration));
builder.AddObservability("tenantchat-silo");
builder.Services.AddSiloHealthChecks();
builder.Services.AddGracefulShutdown(builder.Configuration);

var app = builder.Build();
app.MapHealthEndpoints();
app.MapMetrics();
app.MapOperatorDashboard();
try
{
    await app.RunAsync();
}
catch (SchemaNotMigratedException e)
{
    // Not a crash: the deployment has not run the migration step. One clear line and a plain failure status.
    app.Logger.LogCritical("{Reason}", e.Message);
    return 1;
}
return 0;
