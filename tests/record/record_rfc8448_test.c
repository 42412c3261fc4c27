/*
 * Known answers from RFC 8448 §3 (Simple 1-RTT Handshake): install the
 * traffic secrets the trace prints and open the protected records it prints,
 * byte for byte; write the client's records and get the trace's bytes back.
 * The trace uses TLS_AES_128_GCM_SHA256. Vectors are copied from
 * RFC 8448 as printed there.
 */
#include <string.h>

#include "common/buf.h"
#include "tests/moat_test.h"
#include "tests/record/record_test_util.h"
#include "tls/iana.h"
#include "tls/record.h"

/* "tls13 s hs traffic" (32 octets) */
static const char s_hs_secret[] =
	"b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d"
	"42befd59d391ad38";
/* {server} send handshake record: EncryptedExtensions..Finished (657 octets) */
static const char s_hs_payload[] =
	"080000240022000a00140012001d00170018001901000101"
	"010201030104001c00024001000000000b0001b9000001b5"
	"0001b0308201ac30820115a003020102020102300d06092a"
	"864886f70d01010b0500300e310c300a0603550403130372"
	"7361301e170d3136303733303031323335395a170d323630"
	"3733303031323335395a300e310c300a0603550403130372"
	"736130819f300d06092a864886f70d010101050003818d00"
	"30818902818100b4bb498f8279303d980836399b36c6988c"
	"0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a"
	"95137ace6c1af19eaa6af98c7ced43120998e187a80ee0cc"
	"b0524b1b018c3e0b63264d449a6d38e22a5fda4308467480"
	"30530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a"
	"8002c47428a6d35a8d88d79f7f1e3f0203010001a31a3018"
	"30090603551d1304023000300b0603551d0f0404030205a0"
	"300d06092a864886f70d01010b05000381810085aad2a0e5"
	"b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594"
	"365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a"
	"03015156726096fd335e5e67f2dbf102702e608ccae6bec1"
	"fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0"
	"a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b4"
	"2b4de100000f000084080400805a747c5d88fa9bd2e55ab0"
	"85a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc"
	"90db78e2d33a5c141a078653fa6bef780c5ea248eeaaa785"
	"c4f394cab6d30bbe8d4859ee511f602957b15411ac027671"
	"459e46445c9ea58c181e818e95b8c3fb0bf3278409d3be15"
	"2a3da5043e063dda65cdf5aea20d53dfacd42f74f3140000"
	"209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb"
	"7fffee5454b78f0718";
/* the same, protected (seq 0) (679 octets) */
static const char s_hs_record[] =
	"17030302a2d1ff334a56f5bff6594a07cc87b580233f500f"
	"45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca"
	"07612ef9f945cb960b4068905123ea78b111b429ba9191cd"
	"05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13b"
	"d9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183e"
	"f3ab20e37d57a6b9d7477609aee6e122a4cf51427325250c"
	"7d0e509289444c9b3a648f1d71035d2ed65b0e3cdd0cbae8"
	"bf2d0b227812cbb360987255cc744110c453baa4fcd61092"
	"8d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70"
	"a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a8"
	"9441ac66272fd8fb330ef8190579b3684596c960bd596eea"
	"520a56a8d650f563aad27409960dca63d3e688611ea5e22f"
	"4415cf9538d51a200c27034272968a264ed6540c84838d89"
	"f72c24461aad6d26f59ecaba9acbbb317b66d902f4f292a3"
	"6ac1b639c637ce343117b659622245317b49eeda0c6258f1"
	"00d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e"
	"1b7a6c7178af36879018e3f252107f243d243dc7339d5684"
	"c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052c"
	"f93b16499a66db7cca71e4599426f7d461e66f99882bd89f"
	"c50800becca62d6c74116dbd2972fda1fa80f85df881edbe"
	"5a37668936b335583b599186dc5c6918a396fa48a181d6b6"
	"fa4f9d62d513afbb992f2b992f67f8afe67f76913fa388cb"
	"5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10"
	"dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038"
	"ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f"
	"60f0504de93b5b845e275592c12335ee340bbc4fddd50278"
	"4016e4b3be7ef04dda49f4b440a30cb5d2af939828fd4ae3"
	"794e44f94df5a631ede42c1719bfdabf0253fe5175be898e"
	"750edc53370d2b";
/* "tls13 c hs traffic" (32 octets) */
static const char c_hs_secret[] =
	"b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e96"
	"00746a0e27a55a21";
/* {client} send handshake record: Finished (seq 0) (58 octets) */
static const char c_fin_record[] =
	"170303003575ec4dc238cce60b298044a71e219c56cc77b0"
	"517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1c"
	"aeacab6867d726c40546";
/* "tls13 c ap traffic" (32 octets) */
static const char c_ap_secret[] =
	"9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087"
	"f792ebb7c17504a5";
/* {client} send application_data record (seq 0) (72 octets) */
static const char c_app_record[] =
	"1703030043a23f7054b62c94d0affafe8228ba55cbefacea"
	"42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b"
	"62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4";
/* {client} send alert record: close_notify (seq 1) (24 octets) */
static const char c_alert_record[] =
	"1703030013c9872760655666b74d7ff1153efd6db6d0b0e3";
/* "tls13 s ap traffic" (32 octets) */
static const char s_ap_secret[] =
	"a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a"
	"4b4f1f3fcb631643";
/* {server} send handshake record: NewSessionTicket (seq 0) (227 octets) */
static const char nst_record[] =
	"17030300de3a6b8f90414a97d6959c3487680de5134a2b24"
	"0e6cffac116e95d41d6af8f6b580dcf3d11d63c758db289a"
	"015940252f55713e061dc13e078891a38efbcf5753ad8ef1"
	"70ad3c7353d16d9da773b9ca7f2b9fa1b6c0d4a3d03f75e0"
	"9c30ba1e62972ac46f75f7b981be63439b2999ce13064615"
	"139891d5e4c5b406f16e3fc181a77ca475840025db2f0a77"
	"f81b5ab05b94c01346755f69232c86519d86cbeeac87aac3"
	"47d143f9605d64f650db4d023e70e952ca49fe5137121c74"
	"bc2697687e248746d6df353005f3bce18696129c8153556b"
	"3b6c6779b37bf15985684f";
/* {server} send application_data record (seq 1) (72 octets) */
static const char s_app_record[] =
	"17030300432e937e11ef4ac740e538ad36005fc4a46932fc"
	"3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8"
	"fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d";
/* {server} send alert record: close_notify (seq 2) (24 octets) */
static const char s_alert_record[] =
	"1703030013b58fd67166ebf599d24720cfbe7efa7a8864a9";

/* Install a secret given in hex for one direction of a fresh layer. */
static void install(struct moat_record_layer *rl, bool write, const char *secret_hex)
{
	size_t n;
	uint8_t *secret = hex_decode(secret_hex, &n);
	ATF_REQUIRE_EQ(n, 32);
	EXPECT_OK(moat_record_set_traffic_secret(rl, write, MOAT_HASH_SHA256, MOAT_AEAD_AES_128_GCM, secret));
	free(secret);
}

/* Open a record given in hex and check its type and (if given) its plaintext. */
static void open_expect(struct moat_record_layer *rl, const char *record_hex, uint8_t want_type,
			const uint8_t *want, size_t want_len)
{
	size_t rec_len, total, plain_len;
	uint8_t *rec = hex_decode(record_hex, &rec_len);
	uint8_t type, *plain;
	EXPECT_OK(moat_record_total_len(rec, &total));
	ATF_REQUIRE_EQ(total, rec_len);
	EXPECT_OK(moat_record_open(rl, rec, rec_len, &type, &plain, &plain_len));
	ATF_REQUIRE_EQ(type, want_type);
	if (want != NULL) {
		ATF_REQUIRE_EQ(plain_len, want_len);
		ATF_REQUIRE(memcmp(plain, want, want_len) == 0);
	}
	free(rec);
}

/* Write data as one record and compare with the trace's complete record. */
static void write_expect(struct moat_record_layer *rl, uint8_t type, const uint8_t *data, size_t len,
			 const char *record_hex)
{
	size_t want_len;
	uint8_t *want = hex_decode(record_hex, &want_len);
	struct moat_buf out;
	moat_buf_init(&out, 1 << 16);
	EXPECT_OK(moat_record_write(rl, type, data, len, 0, &out));
	ATF_REQUIRE_EQ(out.len, want_len);
	ATF_REQUIRE_EQ(moat_record_wire_len(rl, len, 0), want_len);
	ATF_REQUIRE(memcmp(out.data, want, want_len) == 0);
	moat_buf_free(&out);
	free(want);
}

ATF_TC_WITHOUT_HEAD(server_handshake_record);
ATF_TC_BODY(server_handshake_record, tc)
{
	/* {server} send handshake record: EE, Certificate, CertificateVerify, Finished under s hs traffic, seq 0. */
	struct moat_record_layer rl;
	size_t payload_len;
	uint8_t *payload = hex_decode(s_hs_payload, &payload_len);
	moat_record_layer_init(&rl);
	install(&rl, false, s_hs_secret);
	open_expect(&rl, s_hs_record, MOAT_CT_HANDSHAKE, payload, payload_len);
	ATF_REQUIRE_EQ(rl.read.seq, 1);

	/* The server side writes the same bytes. */
	install(&rl, true, s_hs_secret);
	write_expect(&rl, MOAT_CT_HANDSHAKE, payload, payload_len, s_hs_record);

	/* One flipped bit anywhere in the trace record fails authentication. */
	size_t rec_len, plain_len;
	uint8_t *rec = hex_decode(s_hs_record, &rec_len);
	uint8_t type, *plain;
	install(&rl, false, s_hs_secret);
	rec[300] ^= 0x80;
	EXPECT_ERR(moat_record_open(&rl, rec, rec_len, &type, &plain, &plain_len), MOAT_ERR_BAD_RECORD_MAC);
	free(rec);
	free(payload);
	moat_record_layer_free(&rl);
}

ATF_TC_WITHOUT_HEAD(client_finished_record);
ATF_TC_BODY(client_finished_record, tc)
{
	static const uint8_t finished[] = {
		0x14, 0x00, 0x00, 0x20, 0xa8, 0xec, 0x43, 0x6d, 0x67, 0x76, 0x34, 0xae, 0x52, 0x5a, 0xc1, 0xfc, 0xeb, 0xe1,
		0x1a, 0x03, 0x9e, 0xc1, 0x76, 0x94, 0xfa, 0xc6, 0xe9, 0x85, 0x27, 0xb6, 0x42, 0xf2, 0xed, 0xd5, 0xce, 0x61,
	};
	struct moat_record_layer client, server;
	moat_record_layer_init(&client);
	moat_record_layer_init(&server);
	install(&client, true, c_hs_secret);
	install(&server, false, c_hs_secret);
	write_expect(&client, MOAT_CT_HANDSHAKE, finished, sizeof(finished), c_fin_record);
	open_expect(&server, c_fin_record, MOAT_CT_HANDSHAKE, finished, sizeof(finished));
	moat_record_layer_free(&client);
	moat_record_layer_free(&server);
}

ATF_TC_WITHOUT_HEAD(application_data_and_alerts);
ATF_TC_BODY(application_data_and_alerts, tc)
{
	uint8_t payload[50];
	static const uint8_t close_notify[] = { 0x01, 0x00 };
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)i;

	/* Client: application data at seq 0, close_notify at seq 1 under c ap traffic. */
	struct moat_record_layer client, server;
	moat_record_layer_init(&client);
	moat_record_layer_init(&server);
	install(&client, true, c_ap_secret);
	write_expect(&client, MOAT_CT_APPLICATION_DATA, payload, sizeof(payload), c_app_record);
	write_expect(&client, MOAT_CT_ALERT, close_notify, sizeof(close_notify), c_alert_record);
	ATF_REQUIRE_EQ(client.write.seq, 2);
	install(&server, false, c_ap_secret);
	open_expect(&server, c_app_record, MOAT_CT_APPLICATION_DATA, payload, sizeof(payload));
	open_expect(&server, c_alert_record, MOAT_CT_ALERT, close_notify, sizeof(close_notify));

	/* Server: NewSessionTicket at seq 0, application data at seq 1, close_notify at seq 2 under s ap traffic. */
	install(&client, false, s_ap_secret);
	open_expect(&client, nst_record, MOAT_CT_HANDSHAKE, NULL, 0);
	open_expect(&client, s_app_record, MOAT_CT_APPLICATION_DATA, payload, sizeof(payload));
	open_expect(&client, s_alert_record, MOAT_CT_ALERT, close_notify, sizeof(close_notify));
	ATF_REQUIRE_EQ(client.read.seq, 3);

	/* Out of order (seq 0 used for the seq 1 record) fails. */
	size_t rec_len, plain_len;
	uint8_t *rec = hex_decode(s_app_record, &rec_len);
	uint8_t type, *plain;
	install(&client, false, s_ap_secret);
	EXPECT_ERR(moat_record_open(&client, rec, rec_len, &type, &plain, &plain_len), MOAT_ERR_BAD_RECORD_MAC);
	free(rec);
	moat_record_layer_free(&client);
	moat_record_layer_free(&server);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, server_handshake_record);
	ATF_TP_ADD_TC(tp, client_finished_record);
	ATF_TP_ADD_TC(tp, application_data_and_alerts);
	return atf_no_error();
}
