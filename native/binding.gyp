{
  "targets": [
    {
      "target_name": "nnlab_native",
      "sources": ["nnlab.cc"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O3", "-ffp-contract=off", "-fno-math-errno", "<!@(pkg-config --cflags openblas)"],
      "libraries": ["<!@(pkg-config --libs openblas)", "-Wl,-rpath,<!(pkg-config --variable=libdir openblas)"]
    }
  ]
}
