using MadBase.Control;
using MadBase.Control.Admin;
using MadBase.Control.Functions;
using MadBase.Control.Projects;
using MadBase.Control.Studio;
using MadBase.ServiceDefaults.Health;

HealthProbe.RunIfRequested(args);

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddControlServices();

var app = builder.Build();

app.UseServiceDefaults();
app.UseJsonStatusCodes();

app.MapDefaultEndpoints();
app.MapProjectsApi();
app.MapFunctionsApi();
app.MapCapturedMailApi();
app.MapStudio();
app.MapS3AccessKeysApi();
app.MapApiKeysApi();
app.MapJwtKeysApi();

app.Run();
