// C++ with ordinary unwind tables: frames with mangled names
// (_ZN5probe7Emitter4emitEi) that sysflame must demangle as perf does.
#include <unistd.h>

namespace probe {
class Emitter {
public:
    explicit Emitter(int fd) : fd_(fd) {}
    __attribute__((noinline)) void emit(int i);
private:
    int fd_;
};

void Emitter::emit(int i)
{
    char c = (char)('0' + i % 10);
    if (write(fd_, &c, 1) < 0)
        fd_ = -1;
}
}

extern "C" void cc_write(int fd, int n)
{
    probe::Emitter e(fd);
    for (int i = 0; i < n; i++)
        e.emit(i);
}
