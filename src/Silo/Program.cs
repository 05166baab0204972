using TenantChat.Silo.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.UseOrleans(silo => silo.UseConfiguredEndpoints(builder.Configuration).AddTenantChat(builder.Configuration));
builder.Services.AddSiloHealthChecks();

var app = builder.Build();
app.MapHealthEndpoints();
app.Run();
