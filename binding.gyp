{
  "targets": [
    {
      "target_name": "mandel_native",
      "sources": ["native/addon.c", "native/kernels.c", "native/perturb.c", "native/bitmap.c", "native/orbit.c", "native/bla.c"],
      "include_dirs": ["native"],
      "cflags": ["-O3", "-std=gnu11", "-ffp-contract=off", "-fno-math-errno", "-Wall", "-Wno-psabi"],
      "cflags!": ["-O2", "-O1", "-Os"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
