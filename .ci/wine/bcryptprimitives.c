/*
 * Test-harness shim for Wine 8 only -- never shipped with outlet-desk.
 *
 * Rust's std (1.78+) gets its randomness from ProcessPrng in
 * bcryptprimitives.dll, which real Windows 10+ has but Wine 8 does not:
 * without this DLL every Rust .exe dies at load time with status c0000135
 * (STATUS_DLL_NOT_FOUND). This DLL exports ProcessPrng and forwards it to
 * advapi32's SystemFunction036 (RtlGenRandom), which Wine implements.
 *
 * Built by .ci/windows.sh with x86_64-w64-mingw32-gcc and copied into the
 * throw-away WINEPREFIX's system32.
 */
#include <windows.h>

/* advapi32!SystemFunction036 aka RtlGenRandom. */
__declspec(dllimport) BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/* BOOL ProcessPrng(PBYTE pbData, SIZE_T cbData): documented to always
 * return TRUE; we report FALSE if the underlying call fails instead of
 * handing back unfilled bytes. */
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000u ? 0x10000000u : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
    (void)inst; (void)reason; (void)reserved;
    return TRUE;
}
