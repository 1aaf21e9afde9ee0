# XenAPI users with RBAC roles on the simulator (Start-XenSimulator -User): a read-only connection reads
# but every change is refused with xapi's RBAC_PERMISSION_DENIED and changes nothing.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    function New-TestCredential([string] $Name) {
        [pscredential]::new($Name, (ConvertTo-SecureString ("Pw-$Name-" + [guid]::NewGuid()) -AsPlainText -Force))
    }
    $auditor = New-TestCredential auditor
    $operator = New-TestCredential operator
    $sim = Start-XenSimulator -HostCount 3 -Preset pooled-with-vms -Speed 50 -User @{ 'read-only' = $auditor; 'vm-operator' = $operator }
    $root = Connect-XenPool $sim.Url $sim.Credential
    $vm = Get-XenVM -Connection $root | Where-Object PowerState -eq 'Running' | Select-Object -First 1
    Stop-XenVM -VM $vm -Force -Confirm:$false
}

AfterAll {
    Get-XenConnection | Disconnect-XenPool -Confirm:$false
    if ($sim) { Stop-XenSimulator $sim }
}

Describe 'A read-only XenAPI user' {
    BeforeAll { $readOnly = Connect-XenPool $sim.Url $auditor }

    It 'reads VMs, hosts and the pool' {
        @(Get-XenVM -Connection $readOnly) | Should -HaveCount @(Get-XenVM -Connection $root).Count
        @(Get-XenHost -Connection $readOnly) | Should -HaveCount 3
        (Get-XenPool -Connection $readOnly).Name | Should -Be (Get-XenPool -Connection $root).Name
    }

    It 'cannot start a VM: RBAC_PERMISSION_DENIED with the permission, and the VM stays halted' {
        $err = $null
        Get-XenVM -Connection $readOnly -Name $vm.Name | Start-XenVM -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be 'RBAC_PERMISSION_DENIED,XenHa.Commands.StartXenVMCommand'
        $err[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $err[0].Exception.Parameters[0] | Should -Be 'vm.start'
        $err[0].Exception.Message | Should -Match 'vm-operator'
        (Get-XenVM -Connection $root -Name $vm.Name).PowerState | Should -Be 'Halted'
    }

    It 'cannot rename a VM or shut a running one down' {
        { Get-XenVM -Connection $readOnly -Name $vm.Name | Set-XenVM -NewName 'renamed' -ErrorAction Stop } |
            Should -Throw -ErrorId 'RBAC_PERMISSION_DENIED,XenHa.Commands.SetXenVMCommand'
        $running = Get-XenVM -Connection $readOnly | Where-Object PowerState -eq 'Running' | Select-Object -First 1
        { $running | Stop-XenVM -Force -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'RBAC_PERMISSION_DENIED,XenHa.Commands.StopXenVMCommand'
        @(Get-XenVM -Connection $root -Name 'renamed' -ErrorAction SilentlyContinue) | Should -HaveCount 0
        (Get-XenVM -Connection $root -Name $running.Name).PowerState | Should -Be 'Running'
    }
}

Describe 'A vm-operator XenAPI user' {
    It 'starts the VM the read-only user could not' {
        $op = Connect-XenPool $sim.Url $operator
        Get-XenVM -Connection $op -Name $vm.Name | Start-XenVM
        (Get-XenVM -Connection $root -Name $vm.Name).PowerState | Should -Be 'Running'
    }
}

Describe 'Start-XenSimulator -User' {
    It 'refuses <Case> before starting anything' -ForEach @(
        @{ Case = 'an unknown role'; Users = @{ 'superuser' = [pscredential]::new('x', (ConvertTo-SecureString 'p' -AsPlainText -Force)) } }
        @{ Case = 'a value that is no credential'; Users = @{ 'read-only' = 'auditor' } }
        @{ Case = 'the root user again'; Users = @{ 'read-only' = [pscredential]::new('root', (ConvertTo-SecureString 'p' -AsPlainText -Force)) } }
    ) {
        { Start-XenSimulator -HostCount 1 -User $Users -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaInvalidSimulatorUser,XenHa.Commands.StartXenSimulatorCommand'
    }
}
