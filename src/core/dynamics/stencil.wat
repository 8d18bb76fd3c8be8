;; The 3x3 mean of the heat diffusion (ALGORITHMS.md 4.2) over runs of grid indices, two pixels per
;; f64x2 vector. Each lane adds the nine terms in Cellpose's order (centre, N, S, W, E, NW, NE, SW,
;; SE), left to right, then multiplies by 1/9 (numba CPU kernel) or divides by 9 (torch mean, $div),
;; so every value has the same bits as the scalar TypeScript kernel in masks-to-flows.ts.
;; Built into stencil-wasm.ts by `npm run build:wasm` (tools/wasm/build-wasm.ts).
(module
  (memory (export "memory") 1)
  ;; dst[i] for i in the runs [R[2r], R[2r+1]), r < $nr / 2; $src, $dst: byte offsets of f64 grids
  ;; $cols wide; $runs: byte offset of the i32 run bounds
  (func (export "stencil") (param $src i32) (param $dst i32) (param $runs i32) (param $nr i32) (param $cols i32) (param $div i32)
    (local $r i32) (local $i i32) (local $e i32) (local $p i32) (local $q i32) (local $rowb i32)
    (local $sum v128) (local $ninth v128) (local $nine v128) (local $s f64)
    (local.set $ninth (f64x2.splat (f64.div (f64.const 1) (f64.const 9))))
    (local.set $nine (f64x2.splat (f64.const 9)))
    (local.set $rowb (i32.shl (local.get $cols) (i32.const 3)))
    (local.set $r (i32.const 0))
    (block $done
      (loop $runs_loop
        (br_if $done (i32.ge_u (local.get $r) (local.get $nr)))
        (local.set $i (i32.load (i32.add (local.get $runs) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $e (i32.load (i32.add (local.get $runs) (i32.shl (i32.add (local.get $r) (i32.const 1)) (i32.const 2)))))
        (block $pairs_done
          (loop $pairs
            (br_if $pairs_done (i32.ge_s (i32.add (local.get $i) (i32.const 1)) (local.get $e)))
            (local.set $p (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 3))))
            (local.set $sum (v128.load (local.get $p)))
            (local.set $sum (f64x2.add (local.get $sum) (v128.load (i32.sub (local.get $p) (local.get $rowb)))))
            (local.set $sum (f64x2.add (local.get $sum) (v128.load (i32.add (local.get $p) (local.get $rowb)))))
            (local.set $sum (f64x2.add (local.get $sum) (v128.load (i32.sub (local.get $p) (i32.const 8)))))
            (local.set $sum (f64x2.add (local.get $sum) (v128.load (i32.add (local.get $p) (i32.const 8)))))
            (local.set $q (i32.sub (local.get $p) (local.get $rowb)))
            (local.set $sum (f64x2.add (local.get $sum) (v128.load (i32.sub (local.get $q) (i32.const 8)))))
            (local.set $sum (f64x2.add (local.get $sum) (v128.load (i32.add (local.get $q) (i32.const 8)))))
            (local.set $q (i32.add (local.get $p) (local.get $rowb)))
            (local.set $sum (f64x2.add (local.get $sum) (v128.load (i32.sub (local.get $q) (i32.const 8)))))
            (local.set $sum (f64x2.add (local.get $sum) (v128.load (i32.add (local.get $q) (i32.const 8)))))
            (v128.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 3)))
              (if (result v128) (local.get $div)
                (then (f64x2.div (local.get $sum) (local.get $nine)))
                (else (f64x2.mul (local.get $sum) (local.get $ninth)))))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (br $pairs)))
        (if (i32.lt_s (local.get $i) (local.get $e))
          (then
            (local.set $p (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 3))))
            (local.set $q (i32.sub (local.get $p) (local.get $rowb)))
            (local.set $s (f64.load (local.get $p)))
            (local.set $s (f64.add (local.get $s) (f64.load (local.get $q))))
            (local.set $s (f64.add (local.get $s) (f64.load (i32.add (local.get $p) (local.get $rowb)))))
            (local.set $s (f64.add (local.get $s) (f64.load (i32.sub (local.get $p) (i32.const 8)))))
            (local.set $s (f64.add (local.get $s) (f64.load (i32.add (local.get $p) (i32.const 8)))))
            (local.set $s (f64.add (local.get $s) (f64.load (i32.sub (local.get $q) (i32.const 8)))))
            (local.set $s (f64.add (local.get $s) (f64.load (i32.add (local.get $q) (i32.const 8)))))
            (local.set $q (i32.add (local.get $p) (local.get $rowb)))
            (local.set $s (f64.add (local.get $s) (f64.load (i32.sub (local.get $q) (i32.const 8)))))
            (local.set $s (f64.add (local.get $s) (f64.load (i32.add (local.get $q) (i32.const 8)))))
            (f64.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 3)))
              (if (result f64) (local.get $div)
                (then (f64.div (local.get $s) (f64.const 9)))
                (else (f64.mul (local.get $s) (f64.const 0.1111111111111111)))))))
        (local.set $r (i32.add (local.get $r) (i32.const 2)))
        (br $runs_loop))))
)
