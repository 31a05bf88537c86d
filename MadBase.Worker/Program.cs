using MadBase.Worker;
using MadBase.Worker.Auth;
using MadBase.Worker.Rest;
using MadBase.Worker.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddWorkerServices();

var app = builder.Build();
app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapAuthApi();
app.MapRestApi();
app.MapStorageApi();

app.Run();
