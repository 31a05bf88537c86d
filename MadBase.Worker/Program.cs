using MadBase.ServiceDefaults.Health;
using MadBase.Worker;

HealthProbe.RunIfRequested(args);

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddWorkerServices();

var app = builder.Build();
app.UseServiceDefaults();
app.UseWorkerMiddleware();
app.MapDefaultEndpoints();
app.MapWorkerApis();

app.Run();
