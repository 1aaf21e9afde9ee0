<#
    Runs every example of every help page (docs/XenHa/*.md, found generically) against a simulated
    farm where the article's names exist. The convention, also described in README.md:

    - Each page gets a fresh farm and its own runspace with the staged module imported; its examples
      run in page order in that runspace, so a variable an example sets ($vm, $tasks) is there for
      the next one, as for a reader who follows the page.
    - The farm: xennode01..03 in the pool 'XenHA-Pool' (xennode01 coordinates), shared storage
      'NFS-SR' (nas01:/export/xen, the pool default), 'iSCSI-SR' (san01 LUN 0) and 'ISO library'
      (//fs01/isos); running VMs fedora01 and winxp01 (tools installed) on xennode02, web01 and db01
      on xennode01, web02 on xennode03, test01 on xennode01; bigdb01, halted, too big for any host.
      HA is off. The simulated clock runs 100 times faster.
    - The connection to the farm is the default one, $sim is the farm's simulator, and $credential
      and $root hold its root credential. Get-Credential is replaced by a function that returns the
      credential the farm accepts for the user name asked for (isouser for the ISO share, root
      otherwise), so examples that prompt at a real console run unattended. $ConfirmPreference is
      'None': high-impact examples run as in a runbook.
    - An example passes when it neither throws nor writes an error, and its output formats.
    - An example that cannot run against the simulator carries, right under its heading, the line
      <!-- example: not-run - <reason> -->
      and is reported as skipped with that reason. An example that needs a state the farm does not
      start in gets <!-- example: setup - <code> --> lines, run first and not shown in the help. An
      example that shows errors on purpose carries <!-- example: expect-error - <error id>[, <id>...] -->
      and passes only when it writes such errors and no other.
#>
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module (Join-Path $PSScriptRoot '../../src/Help/XenHaHelp.psm1') -Force
    # XENHA_EXAMPLE_PAGES (wildcards, comma-separated) narrows the run to some pages while writing them.
    $only = if ($env:XENHA_EXAMPLE_PAGES) { $env:XENHA_EXAMPLE_PAGES.Split(',') } else { @('*') }
    $files = Get-ChildItem (Join-Path $PSScriptRoot '../../docs/XenHa') -Filter '*.md' | Sort-Object Name |
        Where-Object { $name = $_.BaseName; @($only | Where-Object { $name -like $_ }).Count -gt 0 }
    $pages = foreach ($file in $files) {
        $page = Read-XenHaHelpPage -Path $file.FullName
        @{
            Name     = $page.Name
            Examples = @($page.Examples | ForEach-Object { @{ Title = $_.Title; Code = $_.Code; NotRun = $_.NotRun; ExpectError = $_.ExpectError; Setup = $_.Setup } })
        }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $farmScript = @'
function Get-Credential {
    # The example farm's stand-in for the prompt: the credential the farm accepts for that user.
    param([Parameter(Position = 0)] [string] $UserName = 'root', [string] $Message, [string] $Title)
    if ($UserName -eq 'isouser') { return [pscredential]::new('isouser', (ConvertTo-SecureString 'isopass' -AsPlainText -Force)) }
    $XenHaExampleCredential
}
Get-XenConnection | Disconnect-XenPool -Confirm:$false
# Examples write files (./fedora01.xva, ./backup); they land in a scratch folder, not the checkout.
$XenHaExampleFolder = Join-Path ([System.IO.Path]::GetTempPath()) ('xenha-examples-' + [guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $XenHaExampleFolder | Out-Null
Set-Location $XenHaExampleFolder
$ConfirmPreference = 'None'
$ProgressPreference = 'SilentlyContinue'
$sim = Start-XenSimulator -HostCount 3 -Preset pooled -Speed 100 -MemoryGB 64
$XenHaExampleCredential = $sim.Credential
$credential = $root = $sim.Credential
Connect-XenPool -Server $sim.Url -Credential $sim.Credential | Out-Null
Set-XenPool -Name 'XenHA-Pool'
New-XenNfsRepository -Name 'NFS-SR' -Server nas01 -Path /export/xen | Out-Null
New-XenIscsiRepository -Name 'iSCSI-SR' -Target san01 -Lun 0 | Out-Null
New-XenIsoLibrary -Name 'ISO library' -Location '//fs01/isos' -Credential (Get-Credential isouser) | Out-Null
Set-XenPool -DefaultRepository 'NFS-SR'
New-XenVM -Name fedora01 -Template 'Fedora Linux' -Repository 'NFS-SR' -MemoryGB 2 | Out-Null
New-XenVM -Name winxp01 -Template 'Windows XP SP3 (32-bit)' -Repository 'NFS-SR' -MemoryGB 1 | Out-Null
foreach ($name in 'web01', 'web02', 'db01', 'test01') {
    New-XenVM -Name $name -Template 'Debian Bookworm 12' -Repository 'NFS-SR' -MemoryGB 1 | Out-Null
}
New-XenVM -Name bigdb01 -Template 'Debian Bookworm 12' -Repository 'NFS-SR' -MemoryGB 96 | Out-Null
Start-XenVM fedora01, winxp01 -Host xennode02
Start-XenVM web01, db01, test01 -Host xennode01
Start-XenVM web02 -Host xennode03
Invoke-XenApi VM.add_to_other_config (Get-XenVM winxp01), 'xensim_tools', 'true'
$deadline = [DateTime]::UtcNow.AddSeconds(30)
while ((Get-XenVM winxp01).ToolsStatus -ne 'Optimized') {
    if ([DateTime]::UtcNow -gt $deadline) { throw 'winxp01 did not report its tools.' }
    Start-Sleep -Milliseconds 100
}
'@

    function Invoke-InExampleRunspace {
        # Runs code in the page's runspace; returns the errors it wrote or threw (Id and Text).
        param([System.Management.Automation.Runspaces.Runspace] $Runspace, [string] $Code, [int] $TimeoutSeconds = 120)
        $shell = [powershell]::Create()
        $shell.Runspace = $Runspace
        try {
            $null = $shell.AddScript($Code, $false).AddCommand('Out-String')
            $async = $shell.BeginInvoke()
            if (-not $async.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds($TimeoutSeconds))) {
                $shell.Stop()
                return [pscustomobject]@{ Id = 'Timeout'; Text = "did not finish within $TimeoutSeconds s" }
            }
            try { $null = $shell.EndInvoke($async) }
            catch {
                $inner = $_.Exception.InnerException
                $id = if ($inner -is [System.Management.Automation.IContainsErrorRecord]) { $inner.ErrorRecord.FullyQualifiedErrorId } else { $inner.GetType().Name }
                [pscustomobject]@{ Id = $id; Text = "threw $id`: $($inner.Message)" }
            }
            foreach ($record in $shell.Streams.Error) {
                [pscustomobject]@{ Id = $record.FullyQualifiedErrorId; Text = "wrote $($record.FullyQualifiedErrorId): $record" }
            }
        }
        finally {
            $shell.Dispose()
        }
    }
}

Describe 'The examples of <Name>' -ForEach $pages {
    BeforeAll {
        $state = [initialsessionstate]::CreateDefault2()
        if ($IsWindows -or $PSVersionTable.PSEdition -eq 'Desktop') { $state.ExecutionPolicy = 'Bypass' }
        $state.ImportPSModule([string[]] @($modulePath))
        $runspace = [runspacefactory]::CreateRunspace($state)
        $runspace.Open()
        $setupErrors = @(Invoke-InExampleRunspace -Runspace $runspace -Code $farmScript).Text
    }
    AfterAll {
        Invoke-InExampleRunspace -Runspace $runspace -Code 'Disconnect-XenPool -All -Confirm:$false -ErrorAction SilentlyContinue; Stop-XenSimulator -All -ErrorAction SilentlyContinue; Set-Location ([System.IO.Path]::GetTempPath()); Remove-Item $XenHaExampleFolder -Recurse -Force -ErrorAction SilentlyContinue' | Out-Null
        $runspace.Dispose()
    }

    It '<Title>' -ForEach $Examples {
        $setupErrors | Should -BeNullOrEmpty -Because 'the example farm must start'
        if ($NotRun) {
            Set-ItResult -Skipped -Because "the page marks it not-run: $NotRun"
            return
        }
        $Code | Should -Not -BeNullOrEmpty -Because 'an example shows code'
        if ($Setup) {
            (Invoke-InExampleRunspace -Runspace $runspace -Code $Setup).Text | Should -BeNullOrEmpty -Because "the setup of $Name, $Title must work"
        }
        $errors = @(Invoke-InExampleRunspace -Runspace $runspace -Code $Code)
        if ($ExpectError) {
            $errors | Should -Not -BeNullOrEmpty -Because "$Name, $Title shows the error $ExpectError"
            $expected = $ExpectError -split ',\s*'
            @($errors | Where-Object { $_.Id.Split(',')[0] -notin $expected }).Text | Should -BeNullOrEmpty
        }
        else {
            $errors.Text | Should -BeNullOrEmpty -Because "$Name, $Title runs against the simulator (or is marked not-run)"
        }
    }
}
