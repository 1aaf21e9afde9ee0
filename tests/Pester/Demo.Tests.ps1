# The README's main job: the demo must run the article end to end and exit 0.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $demo = Join-Path $root 'src/Demo/Invoke-XenHaDemo.ps1'
}

Describe 'The demo (build.ps1 -Task Demo)' {
    It 'runs the article end to end in a fresh pwsh and exits 0' {
        Push-Location $root
        try {
            $output = & dotnet pwsh -NoProfile -NonInteractive -File $demo -ModulePath $modulePath 2>&1 | Out-String
            $exit = $LASTEXITCODE
        }
        finally {
            Pop-Location
        }
        $exit | Should -Be 0 -Because $output
        $output | Should -Match 'Demo finished'
        # Every article step, in order, each followed by a table.
        $steps = 'Three freshly installed hosts', 'Add server', 'New pool', 'Shared storage', 'Run the same storage commands again',
        'A Fedora and a Windows XP VM', 'Live migration refuses', 'Install the tools', 'Graceful test', 'Leave maintenance mode',
        'Automatic HA', 'Ungraceful test with HA', 'Power xennode02 back on', 'Ungraceful test without HA', 'Guided recovery'
        $headings = @([regex]::Matches($output, '(?m)^== (\d+)\. (.+)$'))
        $headings | Should -HaveCount $steps.Count
        for ($i = 0; $i -lt $steps.Count; $i++) {
            $headings[$i].Groups[1].Value | Should -Be ($i + 1)
            $headings[$i].Groups[2].Value | Should -BeLike "$($steps[$i])*"
        }
        @([regex]::Matches($output, '(?m)^-{2,}[ -]*$')).Count | Should -BeGreaterOrEqual $steps.Count -Because 'tables between the steps'
        $output | Should -Match 'Refused as expected: .*VM_LACKS_FEATURE'
        $output | Should -Match '(?m)^winxp\s+xennode03\s+xennode0[12]\s+Restarted'
    }

    It 'exits non-zero with a clear message when a step cannot run' {
        $output = & dotnet pwsh -NoProfile -NonInteractive -File $demo -ModulePath (Join-Path $TestDrive 'missing/XenHa.psd1') 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 1
        $output | Should -Match 'Demo failed before it started'
    }
}
