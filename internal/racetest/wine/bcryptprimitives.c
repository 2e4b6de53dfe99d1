/* Stand-in for Windows' bcryptprimitives.dll, which wine 8 lacks.
 * Go >= 1.24 calls ProcessPrng at startup (runtime/os_windows.go) and
 * aborts if bcryptprimitives.dll or ProcessPrng cannot be found.
 * ProcessPrng(PBYTE, SIZE_T) always returns TRUE on Windows; we fill the
 * buffer with RtlGenRandom (advapi32!SystemFunction036), which wine
 * implements on top of the host's /dev/urandom.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len); /* RtlGenRandom */

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE h, DWORD reason, LPVOID reserved)
{
    (void)h; (void)reason; (void)reserved;
    return TRUE;
}
