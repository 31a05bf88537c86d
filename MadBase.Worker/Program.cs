using MadBase.ServiceDefaults.Health;
using MadBase.Worker;
using MadBase.Worker.Auth;
using MadBase.Worker.Functions;
using MadBase.Worker.Realtime;
using MadBase.Worker.Rest;
using MadBase.Worker.Storage;
using MadBase.Worker.Storage.S3;

HealthProbe.RunIfRequested(args);

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddWorkerServices();

var app = builder.Build();
app.UseServiceDefaults();
app.UseWebSockets();
app.UseS3Authentication();
app.MapDefaultEndpoints();
app.MapAuthApi();
app.MapRestApi();
app.MapStorageApi();
app.MapRealtimeApi();
app.MapFunctionsApi();

app.Run();
