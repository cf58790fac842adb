/* startup.c - a process whose only system call is exit_group, so that
 * recording it with every sys_enter tracepoint gives a capture with 360
 * events and exactly one sample: the benchmark's fixed start-up case.
 * Built with -nostdlib -static. */
void _start(void)
{
    __asm__ volatile("mov $231, %eax\n\txor %edi, %edi\n\tsyscall");
    for (;;)
        ;
}
