# Dot-sourced by every *.Tests.ps1 in BeforeAll: imports the staged module under test.
$modulePath = $env:XENHA_MODULE_PATH
if (-not $modulePath) {
    $modulePath = Get-ChildItem (Join-Path $PSScriptRoot '../../out/XenHa/*/XenHa.psd1') | Select-Object -Last 1 -ExpandProperty FullName
}
Import-Module $modulePath -Force -ErrorAction Stop

function Get-ClosedLoopbackPort {
    # A port nothing listens on: bind port 0, note it, release it.
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $port = $listener.LocalEndpoint.Port
    $listener.Stop()
    $port
}

function Get-RawVmRecord {
    # An independent view of the VMs straight from the API, to compare cmdlet output with.
    param([Parameter(Mandatory)] $Connection)
    $records = Invoke-XenApi VM.get_all_records -Connection $Connection
    foreach ($key in $records.Keys) { $records[$key] }
}
