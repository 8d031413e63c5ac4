module iop.local/tools/crdgen

go 1.19
