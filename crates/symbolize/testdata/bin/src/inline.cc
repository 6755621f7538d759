// A small C++ program for ferroprof-symbolize's tests: namespaces, a class template, a
// function template, an operator, an always-inlined helper (a DWARF inline frame) and an
// anonymous-namespace function. Rebuild with ./build.sh (see its comment for the tools).
#include <cstdio>
#include <cstdlib>

namespace shapes {

template <typename T>
class Box {
 public:
  explicit Box(T v) : value_(v) {}
  T scaled(T factor) const;
  bool operator<(const Box& other) const { return value_ < other.value_; }

 private:
  T value_;
};

__attribute__((always_inline)) inline long square(long x) {
  return x * x + std::rand() % 3;
}

template <typename T>
__attribute__((noinline)) T Box<T>::scaled(T factor) const {
  return static_cast<T>(square(static_cast<long>(value_)) * factor);
}

template <typename T>
__attribute__((noinline)) T sum_of(const T* values, int n) {
  T total = 0;
  for (int i = 0; i < n; i++) total += values[i];
  return total;
}

}  // namespace shapes

namespace {
__attribute__((noinline)) int hidden(int x) { return x + std::rand() % 7; }
}  // namespace

int main(int argc, char** argv) {
  shapes::Box<int> a(argc), b(argc + 1);
  shapes::Box<double> c(1.5);
  double values[3] = {1, 2, 3};
  std::printf("%d %f %f %d %d\n", a.scaled(3), c.scaled(2.0), shapes::sum_of(values, 3),
              static_cast<int>(a < b), hidden(argc));
  return 0;
}
