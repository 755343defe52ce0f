/*
 * stubs.c: placeholders for the mock's modules that are not written yet, so that libkfk_mock
 * links while they are. Each module's author removes its functions from here when the real
 * ones land; this file goes when it is empty.
 */
#include "mock/mock_int.h"

/* ---- coordinator.c ---- */
int kfk__mock_join_group(kfk__mreq_t *req, void **resp) {
    (void)req;
    *resp = NULL;
    return KFK__MOCK_REPLY;
}
int kfk__mock_sync_group(kfk__mreq_t *req, void **resp) {
    (void)req;
    *resp = NULL;
    return KFK__MOCK_REPLY;
}
int kfk__mock_heartbeat(kfk__mreq_t *req, void **resp) {
    (void)req;
    *resp = NULL;
    return KFK__MOCK_REPLY;
}
int kfk__mock_leave_group(kfk__mreq_t *req, void **resp) {
    (void)req;
    *resp = NULL;
    return KFK__MOCK_REPLY;
}
int kfk__mock_offset_commit(kfk__mreq_t *req, void **resp) {
    (void)req;
    *resp = NULL;
    return KFK__MOCK_REPLY;
}
int kfk__mock_offset_fetch(kfk__mreq_t *req, void **resp) {
    (void)req;
    *resp = NULL;
    return KFK__MOCK_REPLY;
}
void kfk__mock_coord_close(kfk_mock_t *m) {
    (void)m;
}
